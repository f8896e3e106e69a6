/**
 * The template picker's form, derived from the template itself: one field per variable of the
 * header, the body and each dynamic URL button (never only the body), the media link of a media
 * header, and the parameters and preview built with the backend's own send rules.
 */
import {
  prepareTemplateSend,
  variablesOf,
  type TemplateComponentDefinition,
} from "../../../convex/whatsapp/templateRules";
import type { TemplateParameters } from "../../../convex/lib/validators";
import type { TemplateView } from "./types";

export type TemplateField = { key: string; label: string; placeholder?: string };

type Component = TemplateComponentDefinition & {
  text?: string;
  format?: string;
  buttons?: { type?: string; text?: string; url?: string }[];
};

function components(template: Pick<TemplateView, "components">): Component[] {
  return Array.isArray(template.components) ? (template.components as Component[]) : [];
}

function find(template: Pick<TemplateView, "components">, type: string) {
  return components(template).find((c) => c.type.toUpperCase() === type);
}

const unique = (names: string[]) => [...new Set(names)];

/** Every input the send needs, in the order the customer reads them. */
export function templateFields(template: Pick<TemplateView, "components">): TemplateField[] {
  const fields: TemplateField[] = [];
  const header = find(template, "HEADER");
  const format = (header?.format ?? "").toUpperCase();
  if (header && format === "TEXT") {
    for (const n of unique(variablesOf(header.text ?? ""))) {
      fields.push({ key: `header:${n}`, label: `Header {{${n}}}` });
    }
  } else if (header && ["IMAGE", "VIDEO", "DOCUMENT"].includes(format)) {
    fields.push({
      key: "headerMedia",
      label: `Header ${format.toLowerCase()} link`,
      placeholder: "https://…",
    });
  }
  for (const n of unique(variablesOf(find(template, "BODY")?.text ?? ""))) {
    fields.push({ key: `body:${n}`, label: `Body {{${n}}}` });
  }
  (find(template, "BUTTONS")?.buttons ?? []).forEach((b, index) => {
    if ((b.type ?? "").toUpperCase() === "URL" && variablesOf(b.url ?? "").length > 0) {
      fields.push({
        key: `button:${index}`,
        label: `Button "${b.text ?? index}" link ending`,
        placeholder: b.url,
      });
    }
  });
  return fields;
}

function values(
  template: TemplateView,
  part: "header" | "body",
  input: Record<string, string>,
): TemplateParameters["body"] {
  const source = part === "header" ? find(template, "HEADER")?.text : find(template, "BODY")?.text;
  const names = unique(variablesOf(source ?? ""));
  if (names.length === 0) return undefined;
  if (template.parameterFormat === "named") {
    return Object.fromEntries(names.map((n) => [n, input[`${part}:${n}`] ?? ""]));
  }
  return names.sort((a, b) => Number(a) - Number(b)).map((n) => input[`${part}:${n}`] ?? "");
}

export function buildParameters(
  template: TemplateView,
  input: Record<string, string>,
): TemplateParameters {
  const parameters: TemplateParameters = {};
  const header = values(template, "header", input);
  const body = values(template, "body", input);
  if (header !== undefined && (find(template, "HEADER")?.format ?? "").toUpperCase() === "TEXT") {
    parameters.header = header;
  }
  if (body !== undefined) parameters.body = body;
  if (input.headerMedia !== undefined) parameters.headerMediaUrl = input.headerMedia;
  const buttons = Object.entries(input)
    .filter(([k]) => k.startsWith("button:"))
    .map(([k, text]) => ({ index: Number(k.slice("button:".length)), text }));
  if (buttons.length > 0) parameters.buttons = buttons;
  return parameters;
}

function fill(text: string | undefined, part: string, input: Record<string, string>) {
  return text?.replace(
    /\{\{\s*([^{}]*?)\s*\}\}/g,
    (all, n: string) => input[`${part}:${n}`] || all,
  );
}

/** The rendered body (what the customer will read) or the problems that block the send. */
export function templatePreview(template: TemplateView, input: Record<string, string>) {
  const { problems, prepared } = prepareTemplateSend(
    { parameterFormat: template.parameterFormat, components: components(template) },
    buildParameters(template, input),
  );
  return {
    problems,
    header: fill(find(template, "HEADER")?.text, "header", input),
    body: prepared?.renderedBody ?? find(template, "BODY")?.text ?? "",
    footer: find(template, "FOOTER")?.text,
    buttons: (find(template, "BUTTONS")?.buttons ?? []).map((b) => b.text ?? ""),
  };
}

export function isSendable(template: Pick<TemplateView, "status">): boolean {
  return template.status.toUpperCase() === "APPROVED";
}
