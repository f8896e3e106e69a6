/**
 * CLI commands about the environment's WhatsApp numbers: their status, and which agent or
 * router answers each one (plus the environment's default agent).
 */
import { api } from "../../convex/_generated/api";
import { agentBySlug, CliError, connectionId, defineCommand, table } from "./core";

const connectionOption = {
  type: "string",
  value: "<id>",
  help: "The connection to change (default: the only connected number).",
} as const;

const status = defineCommand({
  name: ["whatsapp", "status"],
  summary: "Shows whether WhatsApp is enabled and each number with its handler.",
  options: {},
  run: ({ call, env }) => call.query(api.whatsapp.connections.getStatus, env),
  human: (s) =>
    [
      `WhatsApp: ${s.enabled ? "enabled" : "not enabled"} (${s.integrationStatus})`,
      table([
        ["ID", "LABEL", "NUMBER", "STATUS", "HANDLER"],
        ...s.connections.map((c) => [
          c._id,
          c.label,
          c.phoneNumber ?? "-",
          c.status,
          c.agentId ? `agent ${c.agentId}` : c.routerId ? `router ${c.routerId}` : "NONE",
        ]),
      ]),
    ].join("\n"),
});

const setAgent = defineCommand({
  name: ["whatsapp", "set-agent"],
  summary: "Makes one agent answer a number (replacing its router, if any).",
  options: {
    slug: { type: "string", value: "<agent>", help: "The agent's slug.", required: true },
    connection: connectionOption,
  },
  run: async ({ call, env, values }) => {
    const agent = await agentBySlug(call, env, values.slug);
    const id = await connectionId(call, env, values.connection);
    await call.mutation(api.whatsapp.connections.setAgent, {
      ...env,
      connectionId: id,
      agentId: agent._id,
      replaceRouter: true,
    });
    return { connectionId: id, agentId: agent._id, slug: values.slug };
  },
  human: (d) => `Connection ${d.connectionId} now answers with agent "${d.slug}".`,
});

const setRouter = defineCommand({
  name: ["whatsapp", "set-router"],
  summary: "Makes a router pick the agent for a number (replacing its agent, if any).",
  options: {
    slug: { type: "string", value: "<router>", help: "The router's slug.", required: true },
    connection: connectionOption,
  },
  run: async ({ call, env, values }) => {
    const routers = await call.query(api.agents.routers.list, env);
    const router = routers.find((r) => r.slug === values.slug);
    if (router === undefined) {
      throw new CliError("NOT_FOUND", `No router with slug "${values.slug}".`);
    }
    const id = await connectionId(call, env, values.connection);
    await call.mutation(api.whatsapp.connections.setRouter, {
      ...env,
      connectionId: id,
      routerId: router._id,
      replaceAgent: true,
    });
    return { connectionId: id, routerId: router._id, slug: values.slug };
  },
  human: (d) => `Connection ${d.connectionId} now routes through "${d.slug}".`,
});

const setDefaultAgent = defineCommand({
  name: ["whatsapp", "set-default-agent"],
  summary: "Sets the agent that answers numbers with no agent or router of their own.",
  options: {
    slug: { type: "string", value: "<agent>", help: "The agent's slug." },
    none: { type: "boolean", help: "Clear the default agent instead." },
  },
  run: async ({ call, env, values }) => {
    if ((values.slug === undefined) === (values.none !== true)) {
      throw new CliError("USAGE", "Pass either --slug <agent> or --none.");
    }
    const agent = values.slug === undefined ? null : await agentBySlug(call, env, values.slug);
    await call.mutation(api.whatsapp.connections.setDefaultAgent, {
      ...env,
      agentId: agent?._id ?? null,
    });
    return { agentId: agent?._id ?? null, slug: values.slug ?? null };
  },
  human: (d) =>
    d.slug === null ? "No default agent any more." : `The default agent is now "${d.slug}".`,
});

export const WHATSAPP_COMMANDS = [status, setAgent, setRouter, setDefaultAgent];
