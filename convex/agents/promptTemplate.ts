/**
 * System prompt templates: `{{path.to.value}}` placeholders filled from the turn's variables
 * (`threadContext.params.phoneNumber`, `threadContext.params.contactName`, `threadContext.channel`,
 * `connection.persona`, `business.context`, `business.hours`, ...). A variable that is missing renders visibly as
 * `[missing: path]` so the agent's author sees it in the run record; rendering never throws.
 * The module is pure (the dashboard imports `PROMPT_VARIABLES` and the renderer from it).
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

/** A variable a template may use: its `{{path}}`, what it holds, and an example value. */
export type PromptVariableInfo = { path: string; description: string; example: string };

/** Every variable a turn fills, in the order the agent editor lists them. */
export const PROMPT_VARIABLES: readonly PromptVariableInfo[] = [
  {
    path: "threadContext.params.contactName",
    description: "The customer's WhatsApp name",
    example: "Alex Sample",
  },
  {
    path: "threadContext.params.phoneNumber",
    description: "The customer's phone number (E.164)",
    example: "+15550109999",
  },
  {
    path: "threadContext.params.bsuid",
    description: "The customer's business-scoped user id",
    example: "US.1234567890",
  },
  { path: "threadContext.channel", description: 'The channel ("whatsapp")', example: "whatsapp" },
  { path: "connection.label", description: "The business number's label", example: "Support line" },
  { path: "connection.phoneNumber", description: "The business number", example: "+15550100100" },
  {
    path: "connection.persona",
    description: "The number's persona (added anyway when unused)",
    example: "Friendly and concise",
  },
  {
    path: "business.name",
    description: "The business's name (the organization's when unset)",
    example: "Demo Org",
  },
  {
    path: "business.context",
    description: "The business profile as one block (added anyway when unused)",
    example: "Opening hours: Mon–Fri 9–18\nAddress: 1 Main St",
  },
  {
    path: "business.hours",
    description: "Opening hours from the business profile",
    example: "Mon–Fri 9–18",
  },
  {
    path: "business.address",
    description: "Address from the business profile",
    example: "1 Main St",
  },
  {
    path: "business.policies",
    description: "Policies from the business profile",
    example: "Returns within 30 days.",
  },
  { path: "business.language", description: "The business's language", example: "English" },
  { path: "agent.name", description: "The agent's name", example: "Support" },
  {
    path: "agent.language",
    description: "The language the agent answers in",
    example: "English",
  },
];

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
