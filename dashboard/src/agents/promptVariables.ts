/**
 * The variables an agent's system prompt may use (`{{path}}`), as a turn fills them, with a
 * sample value for the live preview. Rendering is the backend's own `renderPromptTemplate`.
 */
import {
  missingVariables,
  renderPromptTemplate,
  type PromptVariables,
} from "../../../convex/agents/promptTemplate";

export type VariableInfo = { path: string; description: string; sample: string };

export const PROMPT_VARIABLES: VariableInfo[] = [
  {
    path: "threadContext.params.contactName",
    description: "The customer's WhatsApp name",
    sample: "Alex Sample",
  },
  {
    path: "threadContext.params.phoneNumber",
    description: "The customer's phone number",
    sample: "+15550109999",
  },
  {
    path: "threadContext.params.bsuid",
    description: "The customer's business-scoped user id",
    sample: "US.1234567890",
  },
  { path: "threadContext.channel", description: 'The channel ("whatsapp")', sample: "whatsapp" },
  { path: "connection.label", description: "The business number's label", sample: "Support line" },
  { path: "connection.phoneNumber", description: "The business number", sample: "+15550100100" },
  {
    path: "connection.persona",
    description: "The number's persona",
    sample: "Friendly and concise",
  },
  {
    path: "business.name",
    description: "The business name (profile, else the organization)",
    sample: "Demo Org",
  },
  {
    path: "business.context",
    description: "The whole business profile as text",
    sample: "Opening hours: Mon–Fri 9–18\nAddress: 1 Main St",
  },
  {
    path: "business.hours",
    description: "Opening hours (business profile)",
    sample: "Mon–Fri 9–18",
  },
  { path: "business.address", description: "Address (business profile)", sample: "1 Main St" },
  {
    path: "business.policies",
    description: "Policies (business profile)",
    sample: "Returns within 30 days.",
  },
  {
    path: "business.language",
    description: "Language of the business (profile)",
    sample: "English",
  },
  { path: "agent.name", description: "The agent's name", sample: "Support" },
  { path: "agent.language", description: "The language the agent answers in", sample: "English" },
];

export type SampleValues = Record<string, string>;

export const DEFAULT_SAMPLE: SampleValues = Object.fromEntries(
  PROMPT_VARIABLES.map((v) => [v.path, v.sample]),
);

/** Builds the turn's variables from flat sample values ("" means absent). */
export function variablesFromSample(sample: SampleValues): PromptVariables {
  const at = (path: string) => sample[path] || undefined;
  return {
    threadContext: {
      channel: at("threadContext.channel") ?? "whatsapp",
      params: {
        contactName: at("threadContext.params.contactName"),
        phoneNumber: at("threadContext.params.phoneNumber"),
        bsuid: at("threadContext.params.bsuid"),
      },
    },
    connection: {
      label: at("connection.label"),
      phoneNumber: at("connection.phoneNumber"),
      persona: at("connection.persona"),
    },
    business: {
      name: at("business.name"),
      context: at("business.context"),
      hours: at("business.hours"),
      address: at("business.address"),
      policies: at("business.policies"),
      language: at("business.language"),
    },
    agent: { name: at("agent.name") ?? "", language: at("agent.language") },
  };
}

const KNOWN = new Set(PROMPT_VARIABLES.map((v) => v.path));

export function previewPrompt(template: string, sample: SampleValues) {
  const variables = variablesFromSample(sample);
  const missing = missingVariables(template, variables);
  return {
    rendered: renderPromptTemplate(template, variables),
    /** Placeholders no turn can ever fill (typos). */
    unknown: missing.filter((p) => !KNOWN.has(p)),
    /** Known placeholders without a value in this sample. */
    empty: missing.filter((p) => KNOWN.has(p)),
  };
}
