/**
 * The template editor's form and the Meta component definition it produces (with an example for
 * every variable), checked as the author types: the backend's own rules (templateRules.ts) plus
 * Meta's published limits for the fields of this form (the official client's full schema runs
 * on the server when the template is submitted). The variable-density warning is advice: Meta's
 * reviewers use it, and the exact ratio is not published.
 */
import {
  localDefinitionProblems,
  variablesOf,
  type ParameterFormat,
  type TemplateComponentDefinition,
} from "../../../convex/whatsapp/templateRules";
import type { TemplateCategory } from "../../../convex/lib/validators";

export type ButtonDraft =
  | { type: "QUICK_REPLY"; text: string }
  | { type: "URL"; text: string; url: string; example: string }
  | { type: "PHONE_NUMBER"; text: string; phone: string };

export type TemplateDraft = {
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: ParameterFormat;
  headerFormat: "NONE" | "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT";
  headerText: string;
  headerExample: string;
  body: string;
  /** Example value per variable name (`1`, `2` or `first_name`). */
  examples: Record<string, string>;
  footer: string;
  buttons: ButtonDraft[];
};

export const NEW_TEMPLATE: TemplateDraft = {
  name: "",
  language: "en_US",
  category: "UTILITY",
  parameterFormat: "positional",
  headerFormat: "NONE",
  headerText: "",
  headerExample: "",
  body: "",
  examples: {},
  footer: "",
  buttons: [],
};

const unique = (names: string[]) => [...new Set(names)];

/** The variables of the body and of a text header, each once, in order. */
export function draftVariables(d: TemplateDraft): { header: string[]; body: string[] } {
  return {
    header: d.headerFormat === "TEXT" ? unique(variablesOf(d.headerText)) : [],
    body: unique(variablesOf(d.body)),
  };
}

function example(part: "header" | "body", names: string[], d: TemplateDraft) {
  if (names.length === 0) return {};
  const value = (n: string) => (part === "header" ? d.headerExample : (d.examples[n] ?? ""));
  if (d.parameterFormat === "named") {
    return {
      example: {
        [`${part}_text_named_params`]: names.map((n) => ({ param_name: n, example: value(n) })),
      },
    };
  }
  const values = names.map(value);
  return { example: { [`${part}_text`]: part === "body" ? [values] : values } };
}

function buttonComponent(b: ButtonDraft): Record<string, unknown> {
  if (b.type === "QUICK_REPLY") return { type: b.type, text: b.text };
  if (b.type === "PHONE_NUMBER") return { type: b.type, text: b.text, phone_number: b.phone };
  const dynamic = variablesOf(b.url).length > 0;
  return { type: b.type, text: b.text, url: b.url, ...(dynamic ? { example: [b.example] } : {}) };
}

export function draftComponents(d: TemplateDraft): TemplateComponentDefinition[] {
  const vars = draftVariables(d);
  const components: TemplateComponentDefinition[] = [];
  if (d.headerFormat === "TEXT") {
    components.push({
      type: "HEADER",
      format: "TEXT",
      text: d.headerText,
      ...example("header", vars.header, d),
    });
  } else if (d.headerFormat !== "NONE") {
    components.push({
      type: "HEADER",
      format: d.headerFormat,
      example: { header_handle: d.headerExample ? [d.headerExample] : [] },
    });
  }
  components.push({ type: "BODY", text: d.body, ...example("body", vars.body, d) });
  if (d.footer.trim() !== "") components.push({ type: "FOOTER", text: d.footer });
  if (d.buttons.length > 0)
    components.push({ type: "BUTTONS", buttons: d.buttons.map(buttonComponent) });
  return components;
}

/** Meta's limits on the fields of this form (names, lengths, required texts, examples). */
function formProblems(d: TemplateDraft): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9_]{1,512}$/.test(d.name))
    problems.push("Name: lowercase letters, digits and underscores only (at most 512).");
  if (d.body.trim() === "") problems.push("Body: text is required.");
  if (d.body.length > 1024) problems.push("Body: at most 1024 characters.");
  if (d.headerFormat === "TEXT" && d.headerText.trim() === "")
    problems.push("Header: a TEXT header needs text.");
  if (d.headerText.length > 60) problems.push("Header: at most 60 characters.");
  if (d.footer.length > 60) problems.push("Footer: at most 60 characters.");
  const vars = draftVariables(d);
  if (d.parameterFormat === "positional" && vars.body.some((n) => !(d.examples[n] ?? "").trim())) {
    problems.push("Body: an example is required for each variable.");
  }
  if (vars.header.length > 0 && d.headerExample.trim() === "")
    problems.push("Header: an example is required for its variable.");
  if (d.buttons.length > 10) problems.push("Buttons: at most 10.");
  d.buttons.forEach((b, i) => {
    if (b.text.trim() === "" || b.text.length > 25)
      problems.push(`Buttons: button ${i} needs a text of 1 to 25 characters.`);
    if (b.type === "URL" && variablesOf(b.url).length > 0 && b.example.trim() === "")
      problems.push(`Buttons: button ${i} needs an example for its url variable.`);
  });
  return problems;
}

export function draftProblems(d: TemplateDraft): string[] {
  const local = localDefinitionProblems({
    name: d.name,
    language: d.language,
    category: d.category,
    parameterFormat: d.parameterFormat,
    components: draftComponents(d),
  }).map((p) => p.message);
  return [...new Set([...formProblems(d), ...local])];
}

/** Advice, not blocking: reviewers reject bodies that are mostly variables or glue them together. */
export function draftWarnings(d: TemplateDraft): string[] {
  const warnings: string[] = [];
  const names = variablesOf(d.body);
  if (/\}\}\s*\{\{/.test(d.body))
    warnings.push("Two variables side by side are often rejected: put words between them.");
  const words = d.body
    .replace(/\{\{[^}]*\}\}/g, " ")
    .split(/\s+/)
    .filter(Boolean).length;
  if (names.length > 0 && words < 2 * names.length + 1) {
    warnings.push(
      `Only ${words} words for ${names.length} variable(s): Meta may reject it as "too many variables for its length".`,
    );
  }
  return warnings;
}

type StoredComponent = {
  type?: string;
  format?: string;
  text?: string;
  example?: {
    header_text?: string[];
    body_text?: string[][];
    body_text_named_params?: { param_name: string; example: string }[];
  };
  buttons?: { type?: string; text?: string; url?: string; phone_number?: string }[];
};

function storedButton(b: NonNullable<StoredComponent["buttons"]>[number]): ButtonDraft {
  const text = b.text ?? "";
  if (b.type === "URL") return { type: "URL", text, url: b.url ?? "", example: "" };
  if (b.type === "PHONE_NUMBER") return { type: "PHONE_NUMBER", text, phone: b.phone_number ?? "" };
  return { type: "QUICK_REPLY", text };
}

/** A stored template's components read back into the editor's form (for its preview). */
export function draftFromTemplate(t: {
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: ParameterFormat;
  components: unknown;
}): TemplateDraft {
  const list = (Array.isArray(t.components) ? t.components : []) as StoredComponent[];
  const find = (type: string) => list.find((c) => c.type?.toUpperCase() === type);
  const header = find("HEADER");
  const body = find("BODY");
  const format = (header?.format?.toUpperCase() ?? "NONE") as TemplateDraft["headerFormat"];
  const named = body?.example?.body_text_named_params ?? [];
  const positional = body?.example?.body_text?.[0] ?? [];
  return {
    ...NEW_TEMPLATE,
    name: t.name,
    language: t.language,
    category: t.category,
    parameterFormat: t.parameterFormat,
    headerFormat: header ? format : "NONE",
    headerText: header?.text ?? "",
    headerExample: header?.example?.header_text?.[0] ?? "",
    body: body?.text ?? "",
    examples: Object.fromEntries([
      ...positional.map((value, i) => [String(i + 1), value]),
      ...named.map((p) => [p.param_name, p.example]),
    ]),
    footer: find("FOOTER")?.text ?? "",
    buttons: (find("BUTTONS")?.buttons ?? []).map(storedButton),
  };
}
