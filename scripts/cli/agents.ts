/**
 * CLI commands about agents: list them, change one's settings (prompt, model, tools, handoff
 * policy and the agents it may pass threads to, knowledge, HTTP tools) through the same mutation
 * the dashboard uses, and show or set the other numbers it may message.
 */
import { api } from "../../convex/_generated/api";
import {
  BUILTIN_TOOLS,
  type BuiltinTool,
  type HandoffPolicy,
  type HttpToolInput,
  type KnowledgeEntry,
} from "../../convex/lib/validators";
import {
  agentBySlug,
  agentResolver,
  CliError,
  defined,
  defineCommand,
  jsonArray,
  listOption,
  numberOption,
  table,
  type Input,
  type Values,
} from "./core";

const agentsList = defineCommand({
  name: ["agents", "list"],
  summary: "Lists the environment's agents.",
  options: {},
  run: ({ call, env }) => call.query(api.agents.definitions.list, env),
  human: (agents) =>
    table([
      ["ID", "SLUG", "NAME", "MODEL", "TEMP", "TOOLS"],
      ...agents.map((a) => [
        a._id,
        a.slug,
        a.name,
        a.model,
        String(a.temperature),
        String(a.tools.length + ("httpTools" in a ? (a.httpTools?.length ?? 0) : 0)),
      ]),
    ]),
});

const text = (value: string, help: string) => ({ type: "string", value, help }) as const;

const updateOptions = {
  name: text("<text>", "Display name."),
  slug: text("<slug>", "A new slug."),
  description: text("<text>", "What the agent is for (routers' classifier reads it)."),
  prompt: text("<text>", "The system prompt."),
  model: text("<model>", "Model name, e.g. gpt-4o-mini."),
  temperature: text("<n>", "0 to 2."),
  language: text("<code>", "Language the agent answers in, e.g. es."),
  "max-context-messages": text("<n>", "Messages of history in the prompt (1-200)."),
  "max-steps": text("<n>", "Model calls per turn (1-20)."),
  tools: text("<a,b>", `Built-in tools, comma-separated: ${BUILTIN_TOOLS.join(", ")}.`),
  "fallback-reply": text("<text>", "Sent when the model keeps failing."),
  "max-unresolved-turns": text(
    "<n|off>",
    "Hand off (reason unresolved) after the customer raises the same problem this many turns in a row.",
  ),
  "handoff-agents": text("<a,b>", 'Slugs of the agents it may pass threads to ("" for none).'),
  "handoff-on-failure": {
    type: "string",
    value: "true|false",
    help: "Hand the thread to a human after the fallback reply.",
    choices: ["true", "false"],
  },
  knowledge: text("'<json>'", 'Knowledge entries: [{"title","format":"text"|"csv","content"}].'),
  "http-tools": text("'<json>'", "HTTP tools, as the dashboard writes them."),
} as const;

function builtinTools(value: string): BuiltinTool[] {
  const names = listOption(value);
  const unknown = names.filter((n) => !(BUILTIN_TOOLS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new CliError(
      "USAGE",
      `Unknown tool(s): ${unknown.join(", ")}. Built-in tools: ${BUILTIN_TOOLS.join(", ")}.`,
    );
  }
  return names as BuiltinTool[];
}

/** The handoff policy with the options given applied, or undefined when none is given. */
function handoffChange(values: Values<typeof updateOptions>, current: HandoffPolicy) {
  const reply = values["fallback-reply"];
  const onFailure = values["handoff-on-failure"];
  const unresolved = values["max-unresolved-turns"];
  if (reply === undefined && onFailure === undefined && unresolved === undefined) return undefined;
  const { maxUnresolvedTurns, ...rest } = current;
  const turns =
    unresolved === undefined
      ? maxUnresolvedTurns
      : unresolved === "off"
        ? undefined
        : numberOption(unresolved, "max-unresolved-turns", true);
  return {
    ...rest,
    fallbackReply: reply ?? current.fallbackReply,
    handoffOnFailure: onFailure === undefined ? current.handoffOnFailure : onFailure === "true",
    ...(turns !== undefined ? { maxUnresolvedTurns: turns } : {}),
  };
}

/** The mutation's fields from the options given (agent slugs resolved to ids). */
async function agentChanges(input: Input<typeof updateOptions>, current: HandoffPolicy) {
  const { call, env, values: v } = input;
  const handoffAgents = v["handoff-agents"];
  return defined({
    name: v.name,
    slug: v.slug,
    description: v.description,
    systemPrompt: v.prompt,
    model: v.model,
    temperature:
      v.temperature === undefined ? undefined : numberOption(v.temperature, "temperature"),
    language: v.language,
    maxContextMessages:
      v["max-context-messages"] === undefined
        ? undefined
        : numberOption(v["max-context-messages"], "max-context-messages", true),
    maxSteps:
      v["max-steps"] === undefined ? undefined : numberOption(v["max-steps"], "max-steps", true),
    tools: v.tools === undefined ? undefined : builtinTools(v.tools),
    handoff: handoffChange(v, current),
    handoffAgentIds:
      handoffAgents === undefined
        ? undefined
        : listOption(handoffAgents).map(await agentResolver(call, env)),
    knowledge:
      v.knowledge === undefined
        ? undefined
        : (jsonArray(v.knowledge, "knowledge") as KnowledgeEntry[]),
    httpTools:
      v["http-tools"] === undefined
        ? undefined
        : (jsonArray(v["http-tools"], "http-tools") as HttpToolInput[]),
  });
}

const agentsUpdate = defineCommand({
  name: ["agents", "update"],
  summary: "Changes an agent's settings; options not given stay as they are.",
  args: ["slug"],
  options: updateOptions,
  run: async (input) => {
    const { call, env, args } = input;
    const agent = await agentBySlug(call, env, args[0]!);
    const changes = await agentChanges(input, agent.handoff);
    const changed = Object.keys(changes);
    if (changed.length === 0) {
      throw new CliError("USAGE", "Nothing to update: pass at least one option (see --help).");
    }
    await call.mutation(api.agents.definitions.update, { ...env, agentId: agent._id, ...changes });
    return { agentId: agent._id, slug: changes.slug ?? agent.slug, changed };
  },
  human: (d) => `Agent "${d.slug}" updated (${d.changed.join(", ")}).`,
});

const agentsRecipients = defineCommand({
  name: ["agents", "recipients"],
  summary: "Shows or sets the numbers an agent may message besides the thread's customer.",
  args: ["slug"],
  options: {
    set: text("<+1…,+1…>", 'Replace the list with these E.164 numbers ("" allows none).'),
  },
  run: async ({ call, env, values, args }) => {
    const agent = await agentBySlug(call, env, args[0]!);
    const allowedRecipients =
      values.set === undefined
        ? (agent.allowedRecipients ?? [])
        : await call.mutation(api.agents.recipients.setAllowed, {
            ...env,
            agentId: agent._id,
            phoneNumbers: listOption(values.set),
          });
    return {
      agentId: agent._id,
      slug: agent.slug,
      allowedRecipients,
      changed: values.set !== undefined,
    };
  },
  human: (d) =>
    d.allowedRecipients.length === 0
      ? `Agent "${d.slug}" may message the thread's customer only.`
      : `Agent "${d.slug}" may also message: ${d.allowedRecipients.join(", ")}.`,
});

export const AGENT_COMMANDS = [agentsList, agentsUpdate, agentsRecipients];
