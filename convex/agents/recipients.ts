/**
 * Reach beyond the thread's customer: an admin may allow an agent to message a short list of
 * other numbers (staff, a partner desk) through `whatsapp.send`'s `to`. The send checks the list
 * as stored when it happens, goes to that person's own thread on the run's number (inside their
 * 24-hour window, like any text) and is recorded on the run (`sentTo`).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { threadWithNumber } from "../inbox/escalation";
import { setAllowedRecipients } from "./definitions";
import { allowedRecipientsFrom } from "./recipientRules";
import { recordSentTo } from "./runs";
import { getOwned, orgAdminMutation } from "../lib/auth";
import { appError, isAppError } from "../lib/errors";
import type { OutboundContent } from "../lib/validators";
import { enqueueOutbound } from "../outbound/sends";
import { normalizeCustomerPhone } from "../whatsapp/phone";

/** Messages one run may send to other numbers. */
export const MAX_MESSAGES_TO_OTHERS_PER_TURN = 3;

/** Sets the numbers (E.164) an agent may message besides the customer; [] allows none. */
export const setAllowed = orgAdminMutation({
  args: { agentId: v.id("agents"), phoneNumbers: v.array(v.string()) },
  returns: v.array(v.string()),
  handler: async (ctx, { agentId, phoneNumbers }) => {
    await getOwned(ctx, ctx.tenant, "agents", agentId);
    const allowed = allowedRecipientsFrom(phoneNumbers);
    if (!allowed.ok) throw appError("INVALID_ARGUMENT", allowed.problem);
    await setAllowedRecipients(ctx, agentId, allowed.numbers);
    return allowed.numbers;
  },
});

type SendResult = { sent: true; messageId: Id<"messages"> } | { sent: false; reason: string };

/**
 * `whatsapp.send` with `to`: one text to an allowed number other than the customer, on that
 * person's thread with the run's number, recorded on the run. Refused, with the reason, when the
 * run's agent is not allowed that number or the person has no open conversation with the number.
 */
export async function sendToOtherRecipient(
  ctx: MutationCtx,
  run: Doc<"agentRuns">,
  to: string,
  message: OutboundContent,
): Promise<SendResult> {
  const agent = run.agentId ? await ctx.db.get("agents", run.agentId) : null;
  const allowed = agent?.allowedRecipients ?? [];
  const phoneNumber = normalizeCustomerPhone(to);
  if (phoneNumber === undefined || !allowed.includes(phoneNumber)) {
    return {
      sent: false,
      reason:
        allowed.length === 0
          ? "This agent may only message the customer of this conversation."
          : `${to} is not a number this agent may message. Allowed: ${allowed.join(", ")}.`,
    };
  }
  if ((run.sentTo?.length ?? 0) >= MAX_MESSAGES_TO_OTHERS_PER_TURN) {
    return {
      sent: false,
      reason: `At most ${MAX_MESSAGES_TO_OTHERS_PER_TURN} messages to other numbers per turn.`,
    };
  }
  const thread = await threadWithNumber(ctx, run.connectionId, phoneNumber);
  if (thread === null) {
    return {
      sent: false,
      reason: `${phoneNumber} has never written to this number, so no free-form message can reach them.`,
    };
  }
  let messageId: Id<"messages">;
  try {
    messageId = await enqueueOutbound(ctx, {
      threadId: thread._id,
      role: "assistant",
      agentRunId: run._id,
      content: message,
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { sent: false, reason: error.data.message };
  }
  await recordSentTo(ctx, run, { phoneNumber, threadId: thread._id, messageId });
  return { sent: true, messageId };
}
