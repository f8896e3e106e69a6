/**
 * WhatsApp message template rules, pure functions without I/O. For creation: the definition
 * rules the official client's schema lacks (templateDefinitions.ts runs both), such as
 * variables that fit the parameter format, named examples, variables not at the edges of the
 * body, footers without variables, URL buttons with one trailing variable. For sending: every
 * variable given and nothing extra, then the rendered body for history and the Cloud API
 * `template.components` of the send. For failures: what Meta's template error codes mean.
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

/**
 * One problem of a definition. `path` is `["components", i]` for a problem of one component or
 * `["language"]`: the official client's findings about the same place are then left out, so
 * each place is judged by one set of rules at a time.
 */
export type DefinitionProblem = { path?: (string | number)[]; message: string };

const NAMED_VARIABLE = /^[a-z][a-z0-9_]*$/;
const POSITIONAL_VARIABLE = /^[1-9][0-9]*$/;
const MEDIA_HEADER_FORMATS = ["IMAGE", "VIDEO", "DOCUMENT"];
/** The components we create and send, in the order Meta requires. */
const COMPONENT_ORDER = ["HEADER", "BODY", "FOOTER", "BUTTONS"];

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

/** Problems of the variables of one text against the parameter format. */
function variableProblems(where: string, names: string[], format: ParameterFormat): string[] {
  if (names.length === 0) return [];
  if (format === "named") {
    return names.every((n) => NAMED_VARIABLE.test(n))
      ? []
      : [`${where}: named variables are lowercase letters, digits and underscores.`];
  }
  if (!names.every((n) => POSITIONAL_VARIABLE.test(n))) {
    return [`${where}: positional templates use {{1}}, {{2}}, ... only.`];
  }
  const numbers = [...new Set(names.map(Number))].sort((a, b) => a - b);
  return numbers.some((n, i) => n !== i + 1)
    ? [`${where}: positional variables must be {{1}} to {{${numbers.length}}}.`]
    : [];
}

/** Named variables without an example, listed in one problem (Meta refuses them). */
function namedExampleProblems(
  where: "Header" | "Body",
  component: TemplateComponentDefinition,
  names: string[],
): string[] {
  const prefix = where === "Header" ? "header_text" : "body_text";
  const given = field(field(component, "example"), `${prefix}_named_params`);
  const named = Array.isArray(given)
    ? given.map((p) => text(p, "param_name")).filter((n): n is string => n !== undefined)
    : [];
  const missing = [...new Set(names)].filter((n) => !named.includes(n));
  return missing.length > 0
    ? [`${where}: an example is required for every variable (missing: ${missing.join(", ")}).`]
    : [];
}

/** Variables of a header or body text: their format first, then (named) their examples. */
function textVariableProblems(
  where: "Header" | "Body",
  component: TemplateComponentDefinition,
  format: ParameterFormat,
): string[] {
  const names = variablesOf(text(component) ?? "");
  const problems = variableProblems(where, names, format);
  if (problems.length > 0 || format !== "named" || names.length === 0) return problems;
  return namedExampleProblems(where, component, names);
}

function headerProblems(header: TemplateComponentDefinition, format: ParameterFormat): string[] {
  const headerFormat = (text(header, "format") ?? "").toUpperCase();
  if (headerFormat === "TEXT") {
    const many = variablesOf(text(header) ?? "").length > 1;
    return [
      ...(many ? ["Header: at most one variable."] : []),
      ...textVariableProblems("Header", header, format),
    ];
  }
  if (!MEDIA_HEADER_FORMATS.includes(headerFormat)) return [];
  const handle = field(field(header, "example"), "header_handle");
  return [
    ...(text(header) !== undefined ? [`Header: a ${headerFormat} header has no text.`] : []),
    ...(Array.isArray(handle) && handle.length > 0
      ? []
      : [`Header: a ${headerFormat} header needs an example (header_handle).`]),
  ];
}

function buttonProblems(raw: unknown): string[] {
  return (Array.isArray(raw) ? raw : []).flatMap((button, b) => {
    const type = (text(button, "type") ?? "").toUpperCase();
    const problems: string[] = [];
    if (type === "URL") {
      const url = text(button, "url") ?? "";
      const names = variablesOf(url);
      if (!/^https?:\/\//.test(url)) problems.push(`Buttons: button ${b} needs an http(s) url.`);
      if (names.length > 1 || (names.length === 1 && !/\{\{[^}]*\}\}$/.test(url))) {
        problems.push(`Buttons: button ${b} may have one variable, at the end of its url.`);
      }
    }
    if (type === "PHONE_NUMBER" && !/^\+?[0-9]{6,20}$/.test(text(button, "phone_number") ?? "")) {
      problems.push(`Buttons: button ${b} needs a phone_number.`);
    }
    return problems;
  });
}

function componentProblems(c: TemplateComponentDefinition, format: ParameterFormat): string[] {
  switch (c.type.toUpperCase()) {
    case "HEADER":
      return headerProblems(c, format);
    case "BODY": {
      const trimmed = (text(c) ?? "").trim();
      const edge = variablesOf(trimmed).length > 0 && /^\{\{[^}]*\}\}|\{\{[^}]*\}\}$/.test(trimmed);
      return [
        ...textVariableProblems("Body", c, format),
        ...(edge ? ["Body: a variable may not start or end the text."] : []),
      ];
    }
    case "FOOTER":
      return variablesOf(text(c) ?? "").length > 0 ? ["Footer: variables are not allowed."] : [];
    case "BUTTONS":
      return buttonProblems(field(c, "buttons"));
    default:
      return [`Unknown component ${c.type}.`];
  }
}

/**
 * The definition problems the official client's schema does not find (see the header). The
 * empty language is here too: the client's language pattern refuses valid three-letter codes
 * such as `fil`, so its language check is not used.
 */
export function localDefinitionProblems(def: TemplateDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  if (def.language.trim() === "") {
    problems.push({ path: ["language"], message: "Language is required (e.g. en_US)." });
  }
  if (componentOf(def.components, "BUTTONS").length > 1) {
    problems.push({ message: "At most one BUTTONS." });
  }
  const order = def.components
    .map((c) => COMPONENT_ORDER.indexOf(c.type.toUpperCase()))
    .filter((rank) => rank >= 0);
  if (order.some((rank, i) => i > 0 && rank < order[i - 1]!)) {
    problems.push({ message: "Components go in the order HEADER, BODY, FOOTER, BUTTONS." });
  }
  def.components.forEach((c, i) => {
    for (const message of componentProblems(c, def.parameterFormat)) {
      problems.push({ path: ["components", i], message });
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

/** What Meta's template error codes mean for the sender (its titles are terse). */
const TEMPLATE_ERRORS: Record<number, string> = {
  132000: "The number of parameters does not match the template's variables.",
  132001: "The template does not exist in this language, or is not approved.",
  132005: "The text with its parameters filled in is too long.",
  132007: "The template's content breaks WhatsApp's policies.",
  132012: "A parameter does not have the format the template expects.",
  132015:
    "The template is paused because its quality rating dropped: messages held for quality " +
    "assessment are dropped, and the template cannot be sent until it is active again.",
  132016: "The template was disabled after repeated pauses for low quality; it cannot be sent.",
};

/** A provider error's details with the meaning of a template error code added, if it has one. */
export function explainTemplateError(code: number, details?: string): string | undefined {
  const explanation = TEMPLATE_ERRORS[code];
  if (explanation === undefined || details?.includes(explanation)) return details;
  return details === undefined || details === "" ? explanation : `${details}. ${explanation}`;
}
