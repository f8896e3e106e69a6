/**
 * Outgoing hooks of a tenant: Slack incoming-webhook messages, generic signed HTTP POSTs and
 * the CRM lead hook. Each call is a queued row delivered by a scheduled action, retried with
 * exponential backoff and jitter, and recorded; a failing hook never blocks a conversation
 * because nothing in the conversation path waits for it. An admin's "Send test" goes through the
 * same queue and delivery (event `test`, `test: true` in the body), delivered once, never retried.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import {
  internalAction,
  internalMutation,
  internalQuery,
  type MutationCtx,
} from "../_generated/server";
import { internal } from "../_generated/api";
import { orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { backoffMs } from "../lib/backoff";
import { appError } from "../lib/errors";
import { purgePage, type Purge } from "../lib/purge";
import { BlockedUrlError, safeFetch } from "../lib/ssrf";
import { vHookKind, vHookState, type HookKind } from "../lib/validators";
import { getIntegration } from "../whatsapp/connections";

export const HOOK_MAX_ATTEMPTS = 6;
export const HOOK_TIMEOUT_MS = 10_000;
/** Only the start of a hook's answer is kept (for the error shown in the dashboard). */
export const HOOK_MAX_RESPONSE_BYTES = 16_384;

/** Delay before retry `attempt` (1-based): 5 s, 20 s, 80 s, … with ±20% jitter. */
export function hookBackoffMs(attempt: number, random: () => number = Math.random): number {
  return backoffMs(attempt, { baseMs: 5_000, factor: 4, jitter: [0.2, 0.2] }, random);
}

/** The event of a test call sent from Settings (its body also says `test: true`). */
export const TEST_HOOK_EVENT = "test";
/** A test of a hook still pending after this long no longer blocks the next one. */
export const TEST_HOOK_PENDING_MS = 2 * 60_000;

/** Queues one hook call; it is delivered in the background. */
export async function enqueueHook(
  ctx: MutationCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
  hook: HookKind,
  event: string,
  payload: unknown,
): Promise<Id<"hookDeliveries">> {
  const now = Date.now();
  const id = await ctx.db.insert("hookDeliveries", {
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    hook,
    event,
    payload,
    state: "pending",
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  });
  await ctx.scheduler.runAfter(0, internal.inbox.hooks.deliver, { hookDeliveryId: id });
  return id;
}

/** What one delivery attempt needs: the payload and the tenant's current hook target. */
export const getDelivery = internalQuery({
  args: { hookDeliveryId: v.id("hookDeliveries") },
  handler: async (ctx, { hookDeliveryId }) => {
    const row = await ctx.db.get("hookDeliveries", hookDeliveryId);
    if (row === null || row.state !== "pending") return null;
    const settings = (await getIntegration(ctx, row))?.handoff;
    const target =
      row.hook === "slack"
        ? settings?.slackWebhookUrl
          ? { url: settings.slackWebhookUrl }
          : null
        : ((row.hook === "http" ? settings?.httpHook : settings?.crmHook) ?? null);
    return {
      hook: row.hook,
      event: row.event,
      payload: row.payload as unknown,
      attempts: row.attempts,
      target,
    };
  },
});

export const recordAttempt = internalMutation({
  args: {
    hookDeliveryId: v.id("hookDeliveries"),
    ok: v.boolean(),
    error: v.optional(v.string()),
    /** False when retrying cannot help (hook removed). */
    retryable: v.boolean(),
  },
  returns: v.null(),
  handler: async (ctx, { hookDeliveryId, ok, error, retryable }) => {
    const row = await ctx.db.get("hookDeliveries", hookDeliveryId);
    if (row === null || row.state !== "pending") return null;
    const attempts = row.attempts + 1;
    // A test reports its first attempt: the admin reads the result and sends another.
    const giveUp =
      !ok && (!retryable || attempts >= HOOK_MAX_ATTEMPTS || row.event === TEST_HOOK_EVENT);
    await ctx.db.patch("hookDeliveries", hookDeliveryId, {
      attempts,
      state: ok ? "delivered" : giveUp ? "failed" : "pending",
      lastError: ok ? undefined : error,
      updatedAt: Date.now(),
    });
    if (!ok && !giveUp) {
      await ctx.scheduler.runAfter(hookBackoffMs(attempts), internal.inbox.hooks.deliver, {
        hookDeliveryId,
      });
    }
    return null;
  },
});

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the HTTP request of a hook call (exported for tests of the wire format). */
export async function hookRequest(
  hook: HookKind,
  event: string,
  payload: unknown,
  target: { url: string; secret?: string },
  now: number,
) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (hook !== "slack" && target.secret !== undefined) {
    const timestamp = Math.floor(now / 1000).toString();
    headers["X-Switchboard-Event"] = event;
    headers["X-Switchboard-Timestamp"] = timestamp;
    headers["X-Switchboard-Signature"] =
      `sha256=${await hmacHex(target.secret, `${timestamp}.${body}`)}`;
  }
  return { url: target.url, init: { method: "POST", headers, body } };
}

/** One delivery attempt; the outcome (and any retry) is recorded by `recordAttempt`. */
export const deliver = internalAction({
  args: { hookDeliveryId: v.id("hookDeliveries") },
  returns: v.null(),
  handler: async (ctx, { hookDeliveryId }) => {
    const delivery = await ctx.runQuery(internal.inbox.hooks.getDelivery, { hookDeliveryId });
    if (delivery === null) return null;
    if (delivery.target === null) {
      await ctx.runMutation(internal.inbox.hooks.recordAttempt, {
        hookDeliveryId,
        ok: false,
        retryable: false,
        error: `The ${delivery.hook} hook is no longer configured.`,
      });
      return null;
    }
    let ok = false;
    let error: string | undefined;
    let retryable = true;
    try {
      const { url, init } = await hookRequest(
        delivery.hook,
        delivery.event,
        delivery.payload,
        delivery.target,
        Date.now(),
      );
      // Hook URLs are tenant-chosen: every hop is checked against local and private addresses.
      const response = await safeFetch(url, init, {
        timeoutMs: HOOK_TIMEOUT_MS,
        maxBytes: HOOK_MAX_RESPONSE_BYTES,
      });
      ok = response.ok;
      if (!ok) error = `HTTP ${response.status}: ${response.text.slice(0, 200)}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      // A refused address stays refused: retrying would only repeat the refusal.
      retryable = !(e instanceof BlockedUrlError);
    }
    await ctx.runMutation(internal.inbox.hooks.recordAttempt, {
      hookDeliveryId,
      ok,
      error,
      retryable,
    });
    return null;
  },
});

/** Recent hook calls of the tenant with their state, for the dashboard. */
export const list = orgQuery({
  args: {},
  returns: v.array(
    v.object({
      _id: v.id("hookDeliveries"),
      hook: vHookKind,
      event: v.string(),
      state: vHookState,
      attempts: v.number(),
      lastError: v.optional(v.string()),
      createdAt: v.number(),
      updatedAt: v.number(),
    }),
  ),
  handler: async (ctx) => {
    const rows = await ctx.db
      .query("hookDeliveries")
      .withIndex("by_organizationId_and_environment_and_createdAt", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .order("desc")
      .take(100);
    return rows.map((r) => ({
      _id: r._id,
      hook: r.hook,
      event: r.event,
      state: r.state,
      attempts: r.attempts,
      lastError: r.lastError,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
  },
});

/**
 * The body of a test call, shaped like the hook's real events (a handoff for the HTTP hook, a
 * qualified lead for the CRM hook, a message for Slack) with a sample customer, `event: "test"`
 * and `test: true`, so a receiver can tell it apart and still check its parsing.
 */
export function testHookPayload(
  hook: HookKind,
  environment: Tenant["environment"],
  now: number,
): unknown {
  const note = "This is a test from Switchboard: no conversation was handed off.";
  if (hook === "slack") {
    return { text: `Test from Switchboard (${environment}): handoffs will be announced here.` };
  }
  const customer = { phoneNumber: "+15550109999", name: "Alex Sample" };
  const at = new Date(now).toISOString();
  if (hook === "http") {
    return {
      event: TEST_HOOK_EVENT,
      test: true,
      threadId: null,
      connectionId: null,
      customer,
      reason: "customer_asked",
      summary: note,
      at,
    };
  }
  return {
    event: TEST_HOOK_EVENT,
    test: true,
    at,
    environment,
    threadId: null,
    number: { connectionId: null, phoneNumber: null },
    customer,
    agentId: null,
    summary: note,
    fields: { product: "Sample product" },
  };
}

function hookConfigured(
  settings: { slackWebhookUrl?: string; httpHook?: unknown; crmHook?: unknown } | undefined,
  hook: HookKind,
): boolean {
  if (hook === "slack") return Boolean(settings?.slackWebhookUrl);
  return (hook === "http" ? settings?.httpHook : settings?.crmHook) !== undefined;
}

/**
 * "Send test" in Settings → hooks: queues a sample event to one configured hook through the
 * same delivery as real events, so it shows in Activity → hooks with its result. Refused while
 * an earlier test of the same hook is still pending.
 */
export const sendTest = orgAdminMutation({
  args: { hook: vHookKind },
  returns: v.id("hookDeliveries"),
  handler: async (ctx, { hook }) => {
    const settings = (await getIntegration(ctx, ctx.tenant))?.handoff;
    if (!hookConfigured(settings, hook)) {
      throw appError("INVALID_ARGUMENT", `The ${hook} hook is not set: save it, then test it.`);
    }
    const now = Date.now();
    const recent = await ctx.db
      .query("hookDeliveries")
      .withIndex("by_organizationId_and_environment_and_createdAt", (q) =>
        q
          .eq("organizationId", ctx.tenant.organizationId)
          .eq("environment", ctx.tenant.environment)
          .gt("createdAt", now - TEST_HOOK_PENDING_MS),
      )
      .take(500);
    if (
      recent.some((r) => r.hook === hook && r.event === TEST_HOOK_EVENT && r.state === "pending")
    ) {
      throw appError(
        "RATE_LIMITED",
        `A test of the ${hook} hook is still being delivered: wait for its result.`,
      );
    }
    return await enqueueHook(
      ctx,
      ctx.tenant,
      hook,
      TEST_HOOK_EVENT,
      testHookPayload(hook, ctx.tenant.environment, now),
    );
  },
});

/** Retention (ops/retention.ts): one page of hook calls queued before `cutoff`; pending stay. */
export const purgeHookDeliveriesOlderThan: Purge = async (ctx, cutoff, page) => {
  const calls = await ctx.db
    .query("hookDeliveries")
    .withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff))
    .paginate(page);
  return await purgePage(
    calls,
    (call) => ctx.db.delete("hookDeliveries", call._id),
    (call) => call.state !== "pending",
  );
};
