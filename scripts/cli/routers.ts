/**
 * CLI commands about routers (which agent answers a message: rules first, or a classifier,
 * then a fallback agent). Agents are named by slug; the CLI resolves them to ids.
 */
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { RouterMatch, RouterRule } from "../../convex/lib/validators";
import {
  agentResolver,
  CliError,
  defined,
  defineCommand,
  jsonArray,
  listOption,
  table,
  type Caller,
  type Env,
  type Values,
} from "./core";

const routersList = defineCommand({
  name: ["routers", "list"],
  summary: "Lists the environment's routers.",
  options: {},
  run: ({ call, env }) => call.query(api.agents.routers.list, env),
  human: (routers) =>
    table([
      ["ID", "SLUG", "NAME", "MODE", "RULES", "FALLBACK AGENT"],
      ...routers.map((r) => [
        r._id,
        r.slug,
        r.name,
        r.mode,
        String(r.rules.length),
        r.fallbackAgentId,
      ]),
    ]),
});

const routerOptions = {
  name: { type: "string", value: "<text>", help: "Display name." },
  slug: { type: "string", value: "<slug>", help: "Lowercase letters, digits and dashes." },
  fallback: {
    type: "string",
    value: "<agent>",
    help: "Slug of the agent used when nothing matches.",
  },
  rules: {
    type: "string",
    value: "'<json>'",
    help: 'Rules in order, e.g. \'[{"match":{"kind":"keyword","keywords":["price"]},"agent":"sales"}]\' ("agentId" also accepted).',
  },
  mode: {
    type: "string",
    value: "rules|classify",
    help: "Match rules only, or ask a classifier when no rule matches.",
    choices: ["rules", "classify"],
  },
  "classifier-agents": { type: "string", value: "<a,b>", help: "Slugs the classifier picks from." },
  "classifier-prompt": { type: "string", value: "<text>", help: "Extra instructions for it." },
} as const;

function rulesFromJson(value: string, agentId: (slug: string) => Id<"agents">): RouterRule[] {
  return jsonArray(value, "rules").map((item, index) => {
    const rule = item as { match?: RouterMatch; agent?: string; agentId?: Id<"agents"> };
    if (typeof rule !== "object" || rule === null || rule.match === undefined) {
      throw new CliError("USAGE", `--rules: rule ${index + 1} needs a "match".`);
    }
    if (rule.agentId !== undefined) return { match: rule.match, agentId: rule.agentId };
    if (typeof rule.agent !== "string") {
      throw new CliError("USAGE", `--rules: rule ${index + 1} needs an "agent" slug.`);
    }
    return { match: rule.match, agentId: agentId(rule.agent) };
  });
}

const unresolved = (slug: string): never => {
  throw new CliError("NOT_FOUND", `No agent with slug "${slug}".`);
};

/** The mutation's fields from the options given (agent slugs resolved to ids). */
async function routerFields(call: Caller, env: Env, values: Values<typeof routerOptions>) {
  const needsAgents =
    values.fallback !== undefined ||
    values.rules !== undefined ||
    values["classifier-agents"] !== undefined;
  // Read the agent list only when an option names agents.
  const agentId = needsAgents ? await agentResolver(call, env) : unresolved;
  return defined({
    name: values.name,
    slug: values.slug,
    mode: values.mode,
    rules: values.rules === undefined ? undefined : rulesFromJson(values.rules, agentId),
    classifierPrompt: values["classifier-prompt"],
    classifierAgentIds:
      values["classifier-agents"] === undefined
        ? undefined
        : listOption(values["classifier-agents"]).map(agentId),
    fallbackAgentId: values.fallback === undefined ? undefined : agentId(values.fallback),
  });
}

const routersCreate = defineCommand({
  name: ["routers", "create"],
  summary: "Creates a router; assign it to a number with `whatsapp set-router`.",
  options: {
    ...routerOptions,
    name: { ...routerOptions.name, required: true },
    slug: { ...routerOptions.slug, required: true },
    fallback: { ...routerOptions.fallback, required: true },
  },
  run: async ({ call, env, values }) => {
    const fields = await routerFields(call, env, values);
    const routerId = await call.mutation(api.agents.routers.create, {
      ...env,
      ...fields,
      name: values.name,
      slug: values.slug,
    });
    return { routerId, slug: values.slug };
  },
  human: (d) => `Router "${d.slug}" created: ${d.routerId}`,
});

const routersUpdate = defineCommand({
  name: ["routers", "update"],
  summary: "Changes a router (by slug or id); options not given stay as they are.",
  args: ["router"],
  options: routerOptions,
  run: async ({ call, env, values, args }) => {
    const key = args[0]!;
    const router = (await call.query(api.agents.routers.list, env)).find(
      (r) => r.slug === key || r._id === key,
    );
    if (router === undefined) throw new CliError("NOT_FOUND", `No router "${key}".`);
    const fields = await routerFields(call, env, values);
    const changed = Object.keys(fields);
    if (changed.length === 0) {
      throw new CliError("USAGE", "Nothing to update: pass at least one option (see --help).");
    }
    await call.mutation(api.agents.routers.update, { ...env, routerId: router._id, ...fields });
    return { routerId: router._id, slug: fields.slug ?? router.slug, changed };
  },
  human: (d) => `Router "${d.slug}" updated (${d.changed.join(", ")}).`,
});

export const ROUTER_COMMANDS = [routersList, routersCreate, routersUpdate];
