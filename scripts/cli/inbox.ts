/**
 * CLI commands about conversations: threads, their messages (a voice note with its transcript
 * below it), and taking a thread over from the AI (handoff) or giving it back.
 */
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import type { Transcript } from "../../convex/lib/validators";
import { asId, defineCommand, numberOption, table, time } from "./core";

const threadOption = {
  type: "string",
  value: "<id>",
  help: "The thread's id (see `threads list`).",
  required: true,
} as const;

const limitOption = (fallback: number) =>
  ({ type: "string", value: "<n>", help: `How many to show (default ${fallback}).` }) as const;

const threadsList = defineCommand({
  name: ["threads", "list"],
  summary: "Lists the environment's threads, most recent message first.",
  options: { limit: limitOption(20) },
  run: async ({ call, env, values }) => {
    const numItems = values.limit === undefined ? 20 : numberOption(values.limit, "limit", true);
    const page = await call.query(api.inbox.threads.list, {
      ...env,
      paginationOpts: { numItems, cursor: null },
    });
    return page.page;
  },
  human: (threads) =>
    table([
      ["ID", "CUSTOMER", "NAME", "OWNER", "LAST MESSAGE"],
      ...threads.map((t) => [
        t._id,
        t.channelParams.phoneNumber ?? "-",
        t.channelParams.contactName ?? "-",
        t.owner,
        time(t.lastMessageAt),
      ]),
    ]),
});

type MessageView = FunctionReturnType<typeof api.inbox.threads.messages>["page"][number];

/** A voice note's words (or where they stand), shown on the line under it. */
function transcriptText(transcript: Transcript): string {
  const source = transcript.source ? ` (${transcript.source})` : "";
  if (transcript.status === "completed") return `transcript${source}: ${transcript.text ?? ""}`;
  if (transcript.status === "pending") return "transcript: pending";
  return `transcript failed: ${transcript.error ?? "unknown error"}`;
}

/** One message: time, role and text (delivery status of outbound ones), transcript below. */
function messageText(m: MessageView): string {
  const prefix = `${time(m.createdAt)}  ${m.role.padEnd(9)} `;
  const { transcript, direction, status } = m.channelData;
  const line =
    prefix +
    (transcript ? "[Voice message]" : m.content) +
    (direction === "outbound" ? `  [${status}]` : "");
  if (!transcript) return line;
  return `${line}\n${" ".repeat(prefix.length)}${transcriptText(transcript)}`;
}

const messagesList = defineCommand({
  name: ["messages", "list"],
  summary: "Prints a thread's latest messages, oldest first, with delivery status.",
  options: { thread: threadOption, limit: limitOption(50) },
  run: async ({ call, env, values }) => {
    const numItems = values.limit === undefined ? 50 : numberOption(values.limit, "limit", true);
    const page = await call.query(api.inbox.threads.messages, {
      ...env,
      threadId: asId<"threads">(values.thread),
      paginationOpts: { numItems, cursor: null },
    });
    return [...page.page].reverse(); // oldest first
  },
  human: (messages) => messages.map(messageText).join("\n") || "(no messages)",
});

const handoffTake = defineCommand({
  name: ["handoff", "take"],
  summary: "Takes a thread over: the AI stays silent until it is released.",
  options: {
    thread: threadOption,
    summary: { type: "string", value: "<text>", help: "Why, shown to teammates." },
  },
  run: async ({ call, env, values }) => {
    const threadId = values.thread;
    const changed = await call.mutation(api.inbox.threads.takeOver, {
      ...env,
      threadId: asId<"threads">(threadId),
      ...(values.summary ? { summary: values.summary } : {}),
    });
    return { threadId, owner: "human", changed };
  },
  human: (d) =>
    d.changed
      ? `You now own thread ${d.threadId}; the AI stays silent.`
      : `Thread ${d.threadId} was already owned by a human.`,
});

const handoffRelease = defineCommand({
  name: ["handoff", "release"],
  summary: "Gives a thread back to the AI.",
  options: {
    thread: threadOption,
    summary: {
      type: "string",
      value: "<text>",
      help: "What you did, kept in the customer's memory for the AI.",
    },
  },
  run: async ({ call, env, values }) => {
    const threadId = values.thread;
    const changed = await call.mutation(api.inbox.threads.release, {
      ...env,
      threadId: asId<"threads">(threadId),
      ...(values.summary ? { summary: values.summary } : {}),
    });
    return { threadId, owner: "ai", changed };
  },
  human: (d) =>
    d.changed
      ? `Thread ${d.threadId} is back with the AI.`
      : `Thread ${d.threadId} was already with the AI.`,
});

export const INBOX_COMMANDS = [threadsList, messagesList, handoffTake, handoffRelease];
