/**
 * Handoff signals of a turn. Before any model call, the burst of customer messages is checked
 * for the tenant's escalation keywords and its frustration signal (inbox/frustration.ts); a
 * match records a `handed_off` run and gives the thread to a person. During the turn, the model
 * judges with `conversation.assess` whether the customer raises an unresolved problem again;
 * the agent's `maxUnresolvedTurns`-th such turn in a row hands off with reason `unresolved`.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { detectFrustration, FRUSTRATION_SIGNAL_TEXT } from "../inbox/frustration";
import { handOffToHuman, handoffSettings, matchEscalationKeyword } from "../inbox/handoff";
import { isAppError } from "../lib/errors";
import type { HandoffReason, HandoffTrigger, TenantHandoffSettings } from "../lib/validators";
import { enqueueOutbound } from "../outbound/sends";
import { insertRun, noteRunError, recordUnresolved } from "./runs";
import type { RunStart } from "./turnSteps";

/** Runs read to count a thread's unresolved turns in a row. */
const MAX_UNRESOLVED_LOOKBACK = 50;
/** Outcomes of runs that answered nothing: they neither count nor break a streak. */
const NOTHING_ANSWERED: readonly Doc<"agentRuns">["outcome"][] = [
  "silent",
  "superseded",
  "no_handler",
  "running",
];

/**
 * Tells the customer a person is coming, when the tenant configured such a message. The
 * handoff stands whether or not this can be sent (e.g. the number was just disconnected).
 */
async function acknowledgeEscalation(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  runId: Id<"agentRuns">,
  text: string | undefined,
) {
  if (text === undefined) return;
  try {
    await enqueueOutbound(ctx, {
      threadId: thread._id,
      role: "assistant",
      agentRunId: runId,
      content: { kind: "text", text },
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    await noteRunError(
      ctx,
      runId,
      `The escalation acknowledgement was not sent: ${error.data.message}`,
    );
  }
}

type RuleMatch = {
  reason: HandoffReason;
  trigger: HandoffTrigger;
  note: string;
  summary: string;
};

/** The first rule the burst sets off: an escalation keyword, then a frustration signal. */
function firstRuleMatch(
  burst: Doc<"messages">[],
  settings: TenantHandoffSettings,
): RuleMatch | null {
  for (const message of burst) {
    const keyword = matchEscalationKeyword(message.content, settings.escalationKeywords);
    if (keyword === null) continue;
    return {
      reason: "escalation_keyword",
      trigger: { signal: "escalation_keyword", detail: keyword },
      note: `Escalation keyword "${keyword}": handed to a human before any model call.`,
      summary: `The customer used the escalation keyword "${keyword}": "${message.content.slice(0, 300)}"`,
    };
  }
  if (settings.frustration === undefined) return null;
  for (const message of burst) {
    const found = detectFrustration(message.content, settings.frustration);
    if (found === null) continue;
    const what = FRUSTRATION_SIGNAL_TEXT[found.signal];
    return {
      reason: "frustration",
      trigger: { signal: found.signal, detail: found.detail },
      note: `Frustration signal (${what}: ${found.detail}): handed to a human before any model call.`,
      summary: `The customer seems frustrated (${what}): "${message.content.slice(0, 300)}"`,
    };
  }
  return null;
}

/**
 * The tenant's rules on the customer's own words: a burst with an escalation keyword or a
 * frustration signal goes to a human before any model call, with a `handed_off` run saying
 * why, and the tenant's acknowledgement to the customer. Null when no rule matched.
 */
export async function handOffOnRules(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  start: RunStart,
  burst: Doc<"messages">[],
): Promise<{ runId: Id<"agentRuns">; note: string } | null> {
  const settings = await handoffSettings(ctx, thread);
  const match = firstRuleMatch(burst, settings);
  if (match === null) return null;
  const runId = await insertRun(ctx, {
    ...start,
    outcome: "handed_off",
    note: match.note,
    finishedAt: start.startedAt,
    latencyMs: 0,
  });
  await handOffToHuman(ctx, thread, {
    reason: match.reason,
    summary: match.summary,
    by: { kind: "system" },
    now: start.startedAt,
    trigger: match.trigger,
  });
  await acknowledgeEscalation(ctx, thread, runId, settings.escalationAcknowledgement);
  return { runId, note: match.note };
}

/**
 * The thread's turns in a row, this one included, that the model judged to answer an
 * unresolved, repeated problem — since the thread last came back to the AI. A turn that was
 * not judged so, or a handoff, ends the streak; turns that answered nothing are skipped.
 */
export async function unresolvedStreak(
  ctx: MutationCtx,
  run: Doc<"agentRuns">,
  thread: Doc<"threads">,
) {
  const recent = await ctx.db
    .query("agentRuns")
    .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", run.threadId))
    .order("desc")
    .take(MAX_UNRESOLVED_LOOKBACK);
  let streak = 0;
  for (const other of recent) {
    if (other._id === run._id) {
      streak += 1;
      continue;
    }
    if (other.startedAt < thread.ownerChangedAt) break;
    if (NOTHING_ANSWERED.includes(other.outcome)) continue;
    if (other.unresolved !== true || other.outcome === "handed_off") break;
    streak += 1;
  }
  return streak;
}

/**
 * `conversation.assess`: records the model's judgement on the run; at the agent's limit of
 * unresolved turns in a row the thread goes to a person with reason `unresolved`. Returns the
 * thread's new generation when it handed off.
 */
export async function assessTurn(
  ctx: MutationCtx,
  current: { run: Doc<"agentRuns">; thread: Doc<"threads"> },
  input: { unresolved: boolean; note?: string },
) {
  const { run, thread } = current;
  await recordUnresolved(ctx, run._id, input.unresolved);
  if (!input.unresolved) return { recorded: true as const };
  const agent = run.agentId ? await ctx.db.get("agents", run.agentId) : null;
  const limit = agent?.handoff.maxUnresolvedTurns ?? 0;
  const streak = await unresolvedStreak(ctx, { ...run, unresolved: true }, thread);
  if (limit <= 0 || streak < limit) {
    return { recorded: true as const, unresolvedTurns: streak, limit };
  }
  const problem = input.note?.trim() || "the customer's problem";
  await handOffToHuman(ctx, thread, {
    reason: "unresolved",
    summary: `Tried ${streak} times without resolution: ${problem}`.slice(0, 500),
    by: { kind: "agent", ...(run.agentId ? { agentId: run.agentId } : {}) },
    now: Date.now(),
    trigger: { signal: "unresolved_turns", detail: `${streak} turns in a row: ${problem}` },
  });
  const after = await ctx.db.get("threads", thread._id);
  return { handedOff: true as const, generation: after?.generation ?? thread.generation };
}
