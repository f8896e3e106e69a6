/**
 * The agent playground: an admin chats with an agent as a customer would, in a test session
 * that never reaches WhatsApp. Sessions and their messages live in their own tables (never in
 * the inbox, the analytics or customer memory); each customer message schedules one turn
 * (playgroundTurn.ts) whose replies and run details (decision, tools, tokens, latency) are
 * recorded here. Reads are bounded index ranges.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { getOwned, orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { vOutboundContent } from "../lib/validators";
import {
  playgroundMessageFields,
  playgroundSessionFields,
  vPlaygroundCustomer,
  vPlaygroundRun,
} from "./validators";

/** Messages one session keeps; start a new session past it. */
export const MAX_SESSION_MESSAGES = 200;
/** Sessions listed per agent, newest first. */
const MAX_SESSIONS_LISTED = 20;
/** A turn still `running` after this long is treated as lost (the next message may go). */
export const STALE_TURN_MS = 2 * 60_000;
const DEFAULT_CUSTOMER = { contactName: "Playground customer", phoneNumber: "+15550100000" };

/** Loads a session of the caller's tenant; other tenants' sessions are NOT_FOUND. */
export async function getOwnedSession(
  ctx: QueryCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
  sessionId: Id<"playgroundSessions">,
) {
  const session = await ctx.db.get("playgroundSessions", sessionId);
  if (
    session === null ||
    session.organizationId !== tenant.organizationId ||
    session.environment !== tenant.environment
  ) {
    throw appError("NOT_FOUND", "No such playground session in this environment.");
  }
  return session;
}

export const vPlaygroundSession = v.object({
  _id: v.id("playgroundSessions"),
  _creationTime: v.number(),
  ...playgroundSessionFields,
});

export const vPlaygroundMessage = v.object({
  _id: v.id("playgroundMessages"),
  _creationTime: v.number(),
  ...playgroundMessageFields,
});

function sessionView(s: Doc<"playgroundSessions">) {
  const { organizationId: _o, environment: _e, ...view } = s;
  return view;
}

function messageView(m: Doc<"playgroundMessages">) {
  const { organizationId: _o, environment: _e, ...view } = m;
  return view;
}

async function sessionMessages(ctx: QueryCtx, sessionId: Id<"playgroundSessions">, limit: number) {
  const newest = await ctx.db
    .query("playgroundMessages")
    .withIndex("by_sessionId_and_createdAt", (q) => q.eq("sessionId", sessionId))
    .order("desc")
    .take(limit);
  return newest.reverse();
}

/** Opens a session with an agent, as a stand-in customer, optionally on one number's persona. */
export const start = orgAdminMutation({
  args: {
    agentId: v.id("agents"),
    customer: v.optional(vPlaygroundCustomer),
    connectionId: v.optional(v.id("whatsappConnections")),
    liveHttpTools: v.optional(v.boolean()),
  },
  returns: v.id("playgroundSessions"),
  handler: async (ctx, args) => {
    await getOwned(ctx, ctx.tenant, "agents", args.agentId);
    if (args.connectionId)
      await getOwned(ctx, ctx.tenant, "whatsappConnections", args.connectionId);
    const now = Date.now();
    return await ctx.db.insert("playgroundSessions", {
      organizationId: ctx.tenant.organizationId,
      environment: ctx.tenant.environment,
      agentId: args.agentId,
      createdBy: ctx.tenant.userId,
      customer: { ...DEFAULT_CUSTOMER, ...args.customer },
      ...(args.connectionId ? { connectionId: args.connectionId } : {}),
      liveHttpTools: args.liveHttpTools ?? false,
      memories: [],
      createdAt: now,
      updatedAt: now,
    });
  },
});

/** An agent's playground sessions, newest first. */
export const sessions = orgQuery({
  args: { agentId: v.id("agents") },
  returns: v.array(vPlaygroundSession),
  handler: async (ctx, { agentId }) => {
    await getOwned(ctx, ctx.tenant, "agents", agentId);
    const rows = await ctx.db
      .query("playgroundSessions")
      .withIndex("by_organizationId_and_environment_and_agentId", (q) =>
        q
          .eq("organizationId", ctx.tenant.organizationId)
          .eq("environment", ctx.tenant.environment)
          .eq("agentId", agentId),
      )
      .order("desc")
      .take(MAX_SESSIONS_LISTED);
    return rows.map(sessionView);
  },
});

/** A session and its messages, oldest first (live: replies appear as the turn records them). */
export const messages = orgQuery({
  args: { sessionId: v.id("playgroundSessions") },
  returns: v.object({ session: vPlaygroundSession, messages: v.array(vPlaygroundMessage) }),
  handler: async (ctx, { sessionId }) => {
    const session = await getOwnedSession(ctx, ctx.tenant, sessionId);
    const rows = await sessionMessages(ctx, sessionId, MAX_SESSION_MESSAGES);
    return { session: sessionView(session), messages: rows.map(messageView) };
  },
});

/**
 * Writes as the customer and starts the agent's turn. One turn at a time: while the previous
 * message is still being answered the call is refused (INVALID_ARGUMENT).
 */
export const send = orgAdminMutation({
  args: { sessionId: v.id("playgroundSessions"), text: v.string() },
  returns: v.id("playgroundMessages"),
  handler: async (ctx, { sessionId, text }) => {
    const session = await getOwnedSession(ctx, ctx.tenant, sessionId);
    if (text.trim() === "" || text.length > 4096) {
      throw appError("INVALID_ARGUMENT", "Write 1 to 4,096 characters.");
    }
    const agent = await getOwned(ctx, ctx.tenant, "agents", session.agentId);
    const recent = await sessionMessages(ctx, sessionId, MAX_SESSION_MESSAGES);
    if (recent.length >= MAX_SESSION_MESSAGES - 5) {
      throw appError("INVALID_ARGUMENT", "This session is full: start a new one.");
    }
    const now = Date.now();
    const busy = recent.some(
      (m) => m.run?.state === "running" && now - m.run.startedAt < STALE_TURN_MS,
    );
    if (busy) throw appError("INVALID_ARGUMENT", "The agent is still answering; wait for it.");
    const messageId = await ctx.db.insert("playgroundMessages", {
      organizationId: session.organizationId,
      environment: session.environment,
      sessionId,
      role: "user",
      content: text,
      run: {
        state: "running",
        agentId: agent._id,
        decision: `Playground: ${agent.name} (${agent.slug}) answers every message.`,
        toolCalls: [],
        promptChars: 0,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        startedAt: now,
      },
      createdAt: Math.max(now, (recent.at(-1)?.createdAt ?? 0) + 1),
    });
    await ctx.db.patch("playgroundSessions", sessionId, { updatedAt: now });
    await ctx.scheduler.runAfter(0, internal.console.playgroundTurn.respond, { messageId });
    return messageId;
  },
});

/** Deletes a session and its messages. */
export const remove = orgAdminMutation({
  args: { sessionId: v.id("playgroundSessions") },
  returns: v.null(),
  handler: async (ctx, { sessionId }) => {
    await getOwnedSession(ctx, ctx.tenant, sessionId);
    const rows = await ctx.db
      .query("playgroundMessages")
      .withIndex("by_sessionId_and_createdAt", (q) => q.eq("sessionId", sessionId))
      .take(MAX_SESSION_MESSAGES + 10);
    for (const row of rows) await ctx.db.delete("playgroundMessages", row._id);
    await ctx.db.delete("playgroundSessions", sessionId);
    return null;
  },
});

// --- Internal: what the playground turn reads and records ------------------------------------

/** Everything a playground turn needs (the agent's HTTP tool secrets included: internal only). */
export const turnInput = internalQuery({
  args: { messageId: v.id("playgroundMessages") },
  handler: async (ctx, { messageId }) => {
    const trigger = await ctx.db.get("playgroundMessages", messageId);
    if (trigger === null || trigger.run?.state !== "running") return null;
    const session = await ctx.db.get("playgroundSessions", trigger.sessionId);
    const agent = await ctx.db.get("agents", trigger.run.agentId);
    if (session === null || agent === null) return null;
    const connection = session.connectionId
      ? await ctx.db.get("whatsappConnections", session.connectionId)
      : null;
    const organization = await ctx.db.get("organizations", session.organizationId);
    const history = (await sessionMessages(ctx, session._id, agent.maxContextMessages)).filter(
      (m) => m.createdAt <= trigger.createdAt && m.role !== "event",
    );
    return {
      session: { _id: session._id, customer: session.customer, memories: session.memories },
      liveHttpTools: session.liveHttpTools,
      agent,
      connection: {
        label: connection?.label,
        phoneNumber: connection?.phoneNumber,
        persona: connection?.persona,
      },
      businessName: organization?.name,
      history: history.map((m) => ({ role: m.role as "user" | "assistant", content: m.content })),
    };
  },
});

/** The session's newest messages, for `whatsapp.getConversation`. */
export const conversation = internalQuery({
  args: { sessionId: v.id("playgroundSessions"), limit: v.number() },
  handler: async (ctx, { sessionId, limit }) => {
    const rows = await sessionMessages(ctx, sessionId, Math.min(Math.max(1, limit), 50));
    return rows
      .filter((m) => m.role !== "event")
      .map((m) => ({ role: m.role, content: m.content, at: new Date(m.createdAt).toISOString() }));
  },
});

/** Records what the agent sent (or would have done elsewhere), right after its trigger's turn. */
export const record = internalMutation({
  args: {
    messageId: v.id("playgroundMessages"),
    role: v.union(v.literal("assistant"), v.literal("event")),
    content: v.string(),
    outbound: v.optional(vOutboundContent),
  },
  returns: v.null(),
  handler: async (ctx, { messageId, role, content, outbound }) => {
    const trigger = await ctx.db.get("playgroundMessages", messageId);
    if (trigger === null) return null;
    const [last] = await ctx.db
      .query("playgroundMessages")
      .withIndex("by_sessionId_and_createdAt", (q) => q.eq("sessionId", trigger.sessionId))
      .order("desc")
      .take(1);
    await ctx.db.insert("playgroundMessages", {
      organizationId: trigger.organizationId,
      environment: trigger.environment,
      sessionId: trigger.sessionId,
      role,
      content: content.slice(0, 4096),
      ...(outbound !== undefined ? { outbound } : {}),
      createdAt: Math.max(Date.now(), (last?.createdAt ?? 0) + 1),
    });
    return null;
  },
});

/** `memory.store` in the playground: a note of this session only. */
export const remember = internalMutation({
  args: { sessionId: v.id("playgroundSessions"), content: v.string() },
  returns: v.null(),
  handler: async (ctx, { sessionId, content }) => {
    const session = await ctx.db.get("playgroundSessions", sessionId);
    if (session === null) return null;
    await ctx.db.patch("playgroundSessions", sessionId, {
      memories: [...session.memories, content.slice(0, 1000)].slice(-50),
    });
    return null;
  },
});

/** An agent of the session's tenant by slug, for `agents.handoff` (nothing else is reachable). */
export const agentBySlug = internalQuery({
  args: { sessionId: v.id("playgroundSessions"), slug: v.string() },
  handler: async (ctx, { sessionId, slug }) => {
    const session = await ctx.db.get("playgroundSessions", sessionId);
    if (session === null) return null;
    const agent = await ctx.db
      .query("agents")
      .withIndex("by_organizationId_and_environment_and_slug", (q) =>
        q
          .eq("organizationId", session.organizationId)
          .eq("environment", session.environment)
          .eq("slug", slug.trim().toLowerCase()),
      )
      .first();
    return agent === null ? null : { agentId: agent._id, name: agent.name, slug: agent.slug };
  },
});

/** Closes the turn: its run details go on the customer message that triggered it. */
export const finish = internalMutation({
  args: { messageId: v.id("playgroundMessages"), run: vPlaygroundRun },
  returns: v.null(),
  handler: async (ctx, { messageId, run }) => {
    const trigger = await ctx.db.get("playgroundMessages", messageId);
    if (trigger === null) return null;
    await ctx.db.patch("playgroundMessages", messageId, {
      run: { ...run, toolCalls: run.toolCalls.slice(0, 50) },
    });
    return null;
  },
});
