/**
 * System prompt templates: `{{path.to.value}}` placeholders filled from the turn's variables
 * (`threadContext.params.phoneNumber`, `threadContext.params.contactName`, `threadContext.channel`,
 * `connection.persona`, `business.context`, `business.hours`, ...). A variable that is missing renders visibly as
 * `[missing: path]` so the agent's author sees it in the run record; rendering never throws.
 */

export type PromptVariables = {
  threadContext: {
    channel: string;
    params: { phoneNumber?: string; contactName?: string; bsuid?: string };
  };
  connection: { persona?: string; label?: string; phoneNumber?: string };
  /** The tenant's business profile (business/profile.ts); `context` is all of it as text. */
  business: {
    name?: string;
    context?: string;
    hours?: string;
    address?: string;
    policies?: string;
    language?: string;
  };
  agent: { name: string; language?: string };
};

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

function lookup(variables: unknown, path: string): string | undefined {
  let value: unknown = variables;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** Fills every placeholder; unknown or empty values become `[missing: path]`. */
export function renderPromptTemplate(template: string, variables: PromptVariables): string {
  return template.replace(
    PLACEHOLDER,
    (_match, path: string) => lookup(variables, path) ?? `[missing: ${path}]`,
  );
}

/** The placeholders a template uses that these variables cannot fill (shown in the dashboard). */
export function missingVariables(template: string, variables: PromptVariables): string[] {
  const missing = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (lookup(variables, match[1]!) === undefined) missing.add(match[1]!);
  }
  return [...missing];
}
