/**
 * Who answers a burst of customer messages: the agent another agent passed the thread to, then
 * the connection's agent, then the connection's router (its rules, classification by the model,
 * its fallback agent), then the environment's default agent — or nobody, said out loud as a
 * `no_handler` run. Only agents of the thread's own tenant and environment are ever chosen.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { getIntegration } from "../whatsapp/connections";
import { evaluateRules, type RoutableMessage } from "./routerRules";

/** The most agents a `classify` router offers the model to choose from. */
const MAX_CLASSIFIER_CANDIDATES = 20;

export type Handler =
  | { kind: "agent"; agent: Doc<"agents">; reason: string; routerId?: Id<"routers"> }
  | { kind: "classify"; router: Doc<"routers">; fallback: Doc<"agents"> }
  | { kind: "none"; reason: string };

/** The agent, if it still exists in the thread's tenant and environment. */
async function liveAgent(ctx: QueryCtx, thread: Doc<"threads">, agentId: Id<"agents"> | undefined) {
  if (agentId === undefined) return null;
  const agent = await ctx.db.get("agents", agentId);
  return agent !== null &&
    agent.organizationId === thread.organizationId &&
    agent.environment === thread.environment
    ? agent
    : null;
}

/** What router rules see of a message: its text, type and the id of a tapped reply. */
function routable(message: Doc<"messages">): RoutableMessage {
  const payload = message.channelData.payload as Record<string, unknown> | undefined;
  const replyId =
    typeof payload?.id === "string"
      ? payload.id
      : typeof payload?.payload === "string"
        ? payload.payload
        : undefined;
  return {
    text: message.content,
    type: message.channelData.type,
    ...(replyId !== undefined ? { interactiveReplyId: replyId } : {}),
  };
}

/** The connection's router's choice: a rule's agent, classification, or its fallback agent. */
async function routerHandler(
  ctx: QueryCtx,
  thread: Doc<"threads">,
  router: Doc<"routers">,
  burst: Doc<"messages">[],
): Promise<Handler | null> {
  const contact = await ctx.db.get("contacts", thread.contactId);
  const decision = evaluateRules(router.rules, burst.map(routable), contact?.attributes ?? {});
  const ruled = decision ? await liveAgent(ctx, thread, decision.agentId) : null;
  if (decision && ruled) {
    return {
      kind: "agent",
      agent: ruled,
      reason: `router ${router.slug}: ${decision.reason}`,
      routerId: router._id,
    };
  }
  const fallback = await liveAgent(ctx, thread, router.fallbackAgentId);
  if (fallback === null) return null;
  if (router.mode === "classify" && router.classifierAgentIds.length > 0) {
    return { kind: "classify", router, fallback };
  }
  return {
    kind: "agent",
    agent: fallback,
    reason: `router ${router.slug}: no rule matched, fallback agent`,
    routerId: router._id,
  };
}

/** Passed-on agent → connection agent → connection router → environment default → nobody. */
export async function resolveHandler(
  ctx: QueryCtx,
  thread: Doc<"threads">,
  connection: Doc<"whatsappConnections">,
  burst: Doc<"messages">[],
): Promise<Handler> {
  if (thread.agentHandoff !== undefined) {
    // Another agent passed the thread on: its choice holds until the next agent handoff.
    const pinned = await liveAgent(ctx, thread, thread.currentAgentId);
    if (pinned) {
      return {
        kind: "agent",
        agent: pinned,
        reason: "passed on by another agent (agents.handoff)",
      };
    }
  }
  const direct = await liveAgent(ctx, thread, connection.agentId);
  if (direct) return { kind: "agent", agent: direct, reason: "the connection's agent" };
  const router = connection.routerId ? await ctx.db.get("routers", connection.routerId) : null;
  const routed = router !== null ? await routerHandler(ctx, thread, router, burst) : null;
  if (routed !== null) return routed;
  const config = await getIntegration(ctx, thread);
  const byDefault = await liveAgent(ctx, thread, config?.defaultAgentId);
  if (byDefault) {
    return { kind: "agent", agent: byDefault, reason: "the environment's default agent" };
  }
  return {
    kind: "none",
    reason:
      router === null && connection.routerId === undefined
        ? "The connection has neither an agent nor a router, and the environment has no default agent."
        : "The connection's router has no usable agent, and the environment has no default agent.",
  };
}

/** The agents a `classify` router lets the model choose from (live ones only). */
export async function classifierCandidates(
  ctx: QueryCtx,
  thread: Doc<"threads">,
  router: Doc<"routers">,
) {
  const candidates = [];
  for (const agentId of router.classifierAgentIds.slice(0, MAX_CLASSIFIER_CANDIDATES)) {
    const agent = await liveAgent(ctx, thread, agentId);
    if (agent) {
      candidates.push({
        agentId,
        slug: agent.slug,
        name: agent.name,
        description: agent.description,
      });
    }
  }
  return candidates;
}
