/**
 * Downstream CRM integration: when an agent marks a lead qualified, a structured
 * summary is queued for the tenant's CRM hook (signed POST, retried with backoff by hooks.ts),
 * never sent from inside the webhook path. Without a CRM hook configured nothing is queued.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { handoffSettings } from "../inbox/handoff";
import { enqueueHook } from "../inbox/hooks";

export type QualifiedLead = {
  summary: string;
  /** Structured facts the agent collected (budget, product, timeline, ...). */
  fields: Record<string, string>;
  agentId?: Id<"agents">;
};

/** Queues the lead for the CRM hook; returns the hook delivery id, or null without a hook. */
export async function qualifyLead(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  lead: QualifiedLead,
  now: number,
): Promise<Id<"hookDeliveries"> | null> {
  const settings = await handoffSettings(ctx, thread);
  if (settings.crmHook === undefined) return null;
  const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
  return await enqueueHook(ctx, thread, "crm", "lead.qualified", {
    event: "lead.qualified",
    at: new Date(now).toISOString(),
    environment: thread.environment,
    threadId: thread._id,
    number: { connectionId: thread.connectionId, phoneNumber: connection?.phoneNumber ?? null },
    customer: {
      phoneNumber: thread.channelParams.phoneNumber ?? null,
      name: thread.channelParams.contactName ?? null,
    },
    agentId: lead.agentId ?? null,
    summary: lead.summary,
    fields: lead.fields,
  });
}
