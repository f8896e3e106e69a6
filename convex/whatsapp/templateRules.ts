/**
 * WhatsApp message template rules, checked before the provider ever sees a template: the
 * definition rules for creation (body required, header formats, footer without variables,
 * button ordering, named vs positional parameters, examples for every variable) and the
 * parameter rules for sending (every variable given, nothing extra), plus rendering of the body
 * for history and the Cloud API `template.components` of a send. Pure functions, no I/O.
 */
import type { TemplateParameters, TemplateValues } from "../lib/validators";

export type ParameterFormat = "named" | "positional";

/** A template component as Meta defines it (keys may arrive snake_case or camelCase). */
export type TemplateComponentDefinition = { type: string; [key: string]: unknown };

export type TemplateDefinition = {
  name: string;
  language: string;
  category: string;
  parameterFormat: ParameterFormat;
  components: TemplateComponentDefinition[];
};

const NAME_PATTERN = /^[a-z0-9_]{1,512}$/;
const NAMED_VARIABLE = /^[a-z][a-z0-9_]*$/;
const POSITIONAL_VARIABLE = /^[1-9][0-9]*$/;
const HEADER_FORMATS = ["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"];
const MEDIA_HEADER_FORMATS = ["IMAGE", "VIDEO", "DOCUMENT"];
const BUTTON_TYPES = ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP"];

/** Reads `snake_key` or its camelCase twin (provider answers are camel-cased by the client). */
function field(obj: unknown, snake: string): unknown {
  if (obj === null || typeof obj !== "object") return undefined;
  const record = obj as Record<string, unknown>;
  if (snake in record) return record[snake];
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return record[camel];
}

function text(obj: unknown, key = "text"): string | undefined {
  const value = field(obj, key);
  return typeof value === "string" ? value : undefined;
}

/** The variable names in a text, in order of appearance (`{{1}}` → "1", `{{name}}` → "name"). */
export function variablesOf(value: string): string[] {
  return [...value.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]!);
}

function componentOf(components: TemplateComponentDefinition[], type: string) {
  return components.filter((c) => c.type.toUpperCase() === type);
}

/** Checks the variables of one text against the parameter format; returns problems. */
function checkVariables(where: string, names: string[], format: ParameterFormat): string[] {
  const problems: string[] = [];
  if (names.length === 0) return problems;
  if (format === "positional") {
    if (!names.every((n) => POSITIONAL_VARIABLE.test(n))) {
      problems.push(`${where}: positional templates use {{1}}, {{2}}, ... only.`);
    } else {
      const numbers = [...new Set(names.map(Number))].sort((a, b) => a - b);
      if (numbers.some((n, i) => n !== i + 1)) {
        problems.push(`${where}: positional variables must be {{1}} to {{${numbers.length}}}.`);
      }
    }
  } else if (!names.every((n) => NAMED_VARIABLE.test(n))) {
    problems.push(`${where}: named variables are lowercase letters, digits and underscores.`);
  }
  return problems;
}

/** Checks that every variable of a text has an example (Meta refuses templates without). */
function checkExamples(
  where: "Header" | "Body",
  component: TemplateComponentDefinition,
  names: string[],
  format: ParameterFormat,
): string[] {
  if (names.length === 0) return [];
  const example = field(component, "example");
  const prefix = where === "Header" ? "header_text" : "body_text";
  if (format === "named") {
    const given = field(example, `${prefix}_named_params`);
    const named = Array.isArray(given)
      ? given.map((p) => text(p, "param_name")).filter((n): n is string => n !== undefined)
      : [];
    const missing = [...new Set(names)].filter((n) => !named.includes(n));
    return missing.length > 0
      ? [`${where}: an example is required for every variable (missing: ${missing.join(", ")}).`]
      : [];
  }
  const given = field(example, prefix);
  const row = where === "Body" && Array.isArray(given) ? given[0] : given;
  const count = new Set(names).size;
  return Array.isArray(row) && row.length >= count && row.every((x) => typeof x === "string")
    ? []
    : [`${where}: an example is required for each of its ${count} variable(s).`];
}

/** Every problem of a template definition; empty when the provider may see it. */
export function templateDefinitionProblems(def: TemplateDefinition): string[] {
  const problems: string[] = [];
  if (!NAME_PATTERN.test(def.name)) {
    problems.push("Name: lowercase letters, digits and underscores only (at most 512).");
  }
  if (def.language.trim() === "") problems.push("Language is required (e.g. en_US).");
  if (!["AUTHENTICATION", "MARKETING", "UTILITY"].includes(def.category.toUpperCase())) {
    problems.push("Category must be AUTHENTICATION, MARKETING or UTILITY.");
  }
  const known = ["HEADER", "BODY", "FOOTER", "BUTTONS"];
  for (const c of def.components) {
    if (!known.includes(c.type.toUpperCase())) problems.push(`Unknown component ${c.type}.`);
  }
  for (const type of known) {
    if (componentOf(def.components, type).length > 1) problems.push(`At most one ${type}.`);
  }
  const order = def.components.map((c) => known.indexOf(c.type.toUpperCase()));
  if (order.some((rank, i) => i > 0 && rank < order[i - 1]!)) {
    problems.push("Components go in the order HEADER, BODY, FOOTER, BUTTONS.");
  }

  const [body] = componentOf(def.components, "BODY");
  const bodyText = text(body);
  if (body === undefined || bodyText === undefined || bodyText.trim() === "") {
    problems.push("Body: a BODY component with text is required.");
  } else {
    const names = variablesOf(bodyText);
    if (bodyText.length > 1024) problems.push("Body: at most 1024 characters.");
    problems.push(...checkVariables("Body", names, def.parameterFormat));
    problems.push(...checkExamples("Body", body, names, def.parameterFormat));
    const trimmed = bodyText.trim();
    if (names.length > 0 && (/^\{\{[^}]*\}\}/.test(trimmed) || /\{\{[^}]*\}\}$/.test(trimmed))) {
      problems.push("Body: a variable may not start or end the text.");
    }
  }

  const [header] = componentOf(def.components, "HEADER");
  if (header !== undefined) {
    const format = (text(header, "format") ?? "").toUpperCase();
    if (!HEADER_FORMATS.includes(format)) {
      problems.push(`Header: format must be one of ${HEADER_FORMATS.join(", ")}.`);
    } else if (format === "TEXT") {
      const headerText = text(header) ?? "";
      const names = variablesOf(headerText);
      if (headerText.trim() === "") problems.push("Header: a TEXT header needs text.");
      if (headerText.length > 60) problems.push("Header: at most 60 characters.");
      if (names.length > 1) problems.push("Header: at most one variable.");
      problems.push(...checkVariables("Header", names, def.parameterFormat));
      problems.push(...checkExamples("Header", header, names, def.parameterFormat));
    } else {
      if (text(header) !== undefined) problems.push(`Header: a ${format} header has no text.`);
      const handle = field(field(header, "example"), "header_handle");
      if (MEDIA_HEADER_FORMATS.includes(format) && !(Array.isArray(handle) && handle.length > 0)) {
        problems.push(`Header: a ${format} header needs an example (header_handle).`);
      }
    }
  }

  const [footer] = componentOf(def.components, "FOOTER");
  if (footer !== undefined) {
    const footerText = text(footer) ?? "";
    if (footerText.trim() === "") problems.push("Footer: text is required.");
    if (footerText.length > 60) problems.push("Footer: at most 60 characters.");
    if (variablesOf(footerText).length > 0) problems.push("Footer: variables are not allowed.");
  }

  const [buttons] = componentOf(def.components, "BUTTONS");
  if (buttons !== undefined) problems.push(...buttonProblems(field(buttons, "buttons")));
  return problems;
}

function buttonProblems(raw: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(raw) || raw.length === 0) return ["Buttons: at least one button."];
  if (raw.length > 10) problems.push("Buttons: at most 10.");
  const types = raw.map((b) => (text(b, "type") ?? "").toUpperCase());
  for (const type of types) {
    if (!BUTTON_TYPES.includes(type)) problems.push(`Buttons: unknown type ${type || "(none)"}.`);
  }
  // Quick replies form one group, before or after the call-to-action buttons, never interleaved.
  const groups = types.map((t) => (t === "QUICK_REPLY" ? "q" : "c")).join("");
  if (/q+c+q+|c+q+c+/.test(groups)) {
    problems.push("Buttons: QUICK_REPLY buttons may not be interleaved with URL or PHONE_NUMBER.");
  }
  if (types.filter((t) => t === "URL").length > 2) problems.push("Buttons: at most 2 URL.");
  if (types.filter((t) => t === "PHONE_NUMBER").length > 1) {
    problems.push("Buttons: at most 1 PHONE_NUMBER.");
  }
  raw.forEach((button, i) => {
    const label = text(button) ?? "";
    if (types[i] !== "COPY_CODE" && types[i] !== "OTP" && label.trim() === "") {
      problems.push(`Buttons: button ${i} needs text.`);
    }
    if (label.length > 25) problems.push(`Buttons: button ${i} text is at most 25 characters.`);
    if (types[i] === "URL") {
      const url = text(button, "url") ?? "";
      const names = variablesOf(url);
      if (!/^https?:\/\//.test(url)) problems.push(`Buttons: button ${i} needs an http(s) url.`);
      if (names.length > 1 || (names.length === 1 && !/\{\{[^}]*\}\}$/.test(url))) {
        problems.push(`Buttons: button ${i} may have one variable, at the end of its url.`);
      }
      const example = field(button, "example");
      if (names.length === 1 && !(Array.isArray(example) && example.length > 0)) {
        problems.push(`Buttons: button ${i} needs an example for its url variable.`);
      }
    }
    if (
      types[i] === "PHONE_NUMBER" &&
      !/^\+?[0-9]{6,20}$/.test(text(button, "phone_number") ?? "")
    ) {
      problems.push(`Buttons: button ${i} needs a phone_number.`);
    }
  });
  return problems;
}

/** What a stored template needs at send time. */
export type TemplateShape = {
  parameterFormat: ParameterFormat;
  components: TemplateComponentDefinition[];
};

function valuesFor(
  where: "Header" | "Body",
  names: string[],
  format: ParameterFormat,
  values: TemplateValues | undefined,
): { problems: string[]; byName: Map<string, string> } {
  const unique = [...new Set(names)];
  const byName = new Map<string, string>();
  const problems: string[] = [];
  if (unique.length === 0) {
    const extra = values === undefined ? 0 : Object.keys(values).length;
    if (extra > 0) problems.push(`${where}: this template takes no parameters.`);
    return { problems, byName };
  }
  if (values === undefined) {
    problems.push(`${where}: missing parameters ${unique.map((n) => `{{${n}}}`).join(", ")}.`);
    return { problems, byName };
  }
  if (format === "positional") {
    if (!Array.isArray(values)) {
      problems.push(`${where}: positional parameters are a list (${unique.length} values).`);
      return { problems, byName };
    }
    if (values.length !== unique.length) {
      problems.push(`${where}: expected ${unique.length} parameter(s), got ${values.length}.`);
    }
    unique.forEach((n) => {
      const value = values[Number(n) - 1];
      if (value !== undefined) byName.set(n, value);
    });
  } else {
    if (Array.isArray(values)) {
      problems.push(`${where}: named parameters are an object (${unique.join(", ")}).`);
      return { problems, byName };
    }
    const missing = unique.filter((n) => values[n] === undefined);
    if (missing.length > 0) problems.push(`${where}: missing parameters ${missing.join(", ")}.`);
    const extra = Object.keys(values).filter((k) => !unique.includes(k));
    if (extra.length > 0) problems.push(`${where}: unknown parameters ${extra.join(", ")}.`);
    for (const n of unique) if (values[n] !== undefined) byName.set(n, values[n]);
  }
  for (const [n, value] of byName) {
    if (value.trim() === "") problems.push(`${where}: parameter {{${n}}} is empty.`);
  }
  return { problems, byName };
}

function render(source: string, byName: Map<string, string>): string {
  return source.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (all, n: string) => byName.get(n) ?? all);
}

export type PreparedTemplate = {
  /** The body with the parameters filled in (stored in history). */
  renderedBody: string;
  /** Cloud API `template.components` of the send. */
  components: Record<string, unknown>[];
};

/**
 * Checks the parameters of a send against the stored template and builds what is sent.
 * Returns the problems (missing, extra or empty values) instead of throwing.
 */
export function prepareTemplateSend(
  template: TemplateShape,
  parameters: TemplateParameters | undefined,
): { problems: string[]; prepared?: PreparedTemplate } {
  const problems: string[] = [];
  const components: Record<string, unknown>[] = [];
  const format = template.parameterFormat;
  const param = (n: string, value: string) =>
    format === "named"
      ? { type: "text", parameter_name: n, text: value }
      : { type: "text", text: value };

  const [header] = componentOf(template.components, "HEADER");
  if (header !== undefined) {
    const headerFormat = (text(header, "format") ?? "").toUpperCase();
    if (headerFormat === "TEXT") {
      const names = variablesOf(text(header) ?? "");
      const checked = valuesFor("Header", names, format, parameters?.header);
      problems.push(...checked.problems);
      if (names.length > 0) {
        components.push({
          type: "header",
          parameters: [...new Set(names)].map((n) => param(n, checked.byName.get(n) ?? "")),
        });
      }
    } else if (MEDIA_HEADER_FORMATS.includes(headerFormat)) {
      const link = parameters?.headerMediaUrl;
      if (link === undefined || !/^https?:\/\//.test(link)) {
        problems.push(`Header: this template needs headerMediaUrl (${headerFormat}).`);
      } else {
        const kind = headerFormat.toLowerCase();
        components.push({ type: "header", parameters: [{ type: kind, [kind]: { link } }] });
      }
    }
  } else if (parameters?.header !== undefined || parameters?.headerMediaUrl !== undefined) {
    problems.push("Header: this template has no header.");
  }

  const [body] = componentOf(template.components, "BODY");
  const bodyText = text(body) ?? "";
  const bodyNames = variablesOf(bodyText);
  const checkedBody = valuesFor("Body", bodyNames, format, parameters?.body);
  problems.push(...checkedBody.problems);
  if (bodyNames.length > 0) {
    components.push({
      type: "body",
      parameters: [...new Set(bodyNames)].map((n) => param(n, checkedBody.byName.get(n) ?? "")),
    });
  }

  const [buttons] = componentOf(template.components, "BUTTONS");
  const defined = buttons === undefined ? [] : (field(buttons, "buttons") as unknown[]);
  const dynamic = (Array.isArray(defined) ? defined : [])
    .map((b, index) => ({ index, url: text(b, "url") ?? "", type: text(b, "type") ?? "" }))
    .filter((b) => b.type.toUpperCase() === "URL" && variablesOf(b.url).length > 0);
  const given = parameters?.buttons ?? [];
  for (const button of dynamic) {
    const value = given.find((g) => g.index === button.index)?.text;
    if (value === undefined || value.trim() === "") {
      problems.push(`Buttons: button ${button.index} needs its url parameter.`);
    } else {
      components.push({
        type: "button",
        sub_type: "url",
        index: String(button.index),
        parameters: [{ type: "text", text: value }],
      });
    }
  }
  for (const g of given) {
    if (!dynamic.some((b) => b.index === g.index)) {
      problems.push(`Buttons: button ${g.index} takes no parameter.`);
    }
  }
  if (problems.length > 0) return { problems };
  return { problems, prepared: { renderedBody: render(bodyText, checkedBody.byName), components } };
}

/** How a template send appears in history: `[Template: name]` and the rendered body. */
export function templateHistoryContent(name: string, renderedBody: string): string {
  return `[Template: ${name}]\n${renderedBody}`;
}
