/**
 * The live preview's sample: a value per variable an agent's system prompt may use (`{{path}}`),
 * starting from each variable's example. The variables and the rendering are the backend's own
 * (`PROMPT_VARIABLES`, `renderPromptTemplate` in convex/agents/promptTemplate.ts, a pure module).
 */
import {
  missingVariables,
  PROMPT_VARIABLES,
  renderPromptTemplate,
  type PromptVariables,
} from "../../../convex/agents/promptTemplate";

export type SampleValues = Record<string, string>;

export const DEFAULT_SAMPLE: SampleValues = Object.fromEntries(
  PROMPT_VARIABLES.map((v) => [v.path, v.example]),
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
