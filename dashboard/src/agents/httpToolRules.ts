/**
 * Checks of an HTTP tool and of a test call's sample arguments, shown as the author types (the
 * backend checks both again).
 */

export function toolNameProblem(name: string): string | undefined {
  if (name === "") return undefined;
  return /^[a-z][a-z0-9_]{0,39}$/.test(name)
    ? undefined
    : "Lowercase letters, digits and underscores, starting with a letter (at most 40).";
}

/** The parameters must be a JSON Schema object: `{"type": "object", "properties": {...}}`. */
export function schemaProblem(text: string): string | undefined {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch {
    return "Not valid JSON.";
  }
  if (schema === null || typeof schema !== "object" || Array.isArray(schema))
    return "The schema must be a JSON object.";
  const s = schema as { type?: unknown; properties?: unknown; required?: unknown };
  if (s.type !== "object") return 'The schema needs "type": "object".';
  if (s.properties !== undefined && (typeof s.properties !== "object" || s.properties === null))
    return '"properties" must be an object.';
  if (s.required !== undefined) {
    if (!Array.isArray(s.required)) return '"required" must be a list of property names.';
    const props = Object.keys((s.properties ?? {}) as object);
    const unknown = (s.required as unknown[]).filter(
      (r) => typeof r !== "string" || !props.includes(r),
    );
    if (unknown.length > 0) return `"required" names unknown properties: ${unknown.join(", ")}.`;
  }
  return undefined;
}

type ObjectSchema = { properties?: Record<string, { type?: unknown }>; required?: unknown };

function objectSchema(text: string): ObjectSchema | null {
  try {
    const schema = JSON.parse(text) as unknown;
    return schema !== null && typeof schema === "object" ? (schema as ObjectSchema) : null;
  } catch {
    return null;
  }
}

const PLACEHOLDER_BY_TYPE: Record<string, unknown> = {
  string: "",
  number: 0,
  integer: 0,
  boolean: false,
  array: [],
  object: {},
};

/** Starting sample arguments for a test call: every property of the schema, empty. */
export function sampleArgumentsFor(parameters: string): string {
  const properties = objectSchema(parameters)?.properties ?? {};
  const sample = Object.fromEntries(
    Object.entries(properties).map(([name, p]) => [
      name,
      typeof p?.type === "string" ? (PLACEHOLDER_BY_TYPE[p.type] ?? "") : "",
    ]),
  );
  return JSON.stringify(sample, null, 2);
}

/**
 * What is wrong with the sample arguments before they are sent: not JSON, not an object, or a
 * required property missing. The backend checks them against the whole schema again.
 */
export function sampleArgumentsProblem(parameters: string, text: string): string | undefined {
  let args: unknown;
  try {
    args = JSON.parse(text.trim() === "" ? "{}" : text);
  } catch {
    return "Not valid JSON.";
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    return "The arguments must be a JSON object.";
  }
  const required = objectSchema(parameters)?.required;
  const missing = (Array.isArray(required) ? required : []).filter(
    (name): name is string => typeof name === "string" && !(name in args),
  );
  return missing.length > 0 ? `Missing required: ${missing.join(", ")}.` : undefined;
}
