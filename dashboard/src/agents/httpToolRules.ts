/** Checks of an HTTP tool shown as the author types (the backend checks again on save). */

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
