/**
 * Figure 6 of `npm run bench`: the prompt each agent turn sends to the model as one thread grows
 * to 500 turns (customer message, agent reply, …), against a naive prompt that carries the whole
 * history. Our size is what the model received (system prompt plus messages, in characters);
 * the naive one is the same system prompt plus every message of the thread so far.
 */
import type { Id } from "../../convex/_generated/dataModel";
import { startProduct, type Product } from "./harness";
import { int, table, type FigureResult } from "./stats";

const QUESTIONS = [
  "Hi, I ordered running shoes last week and the tracking page has not moved since Tuesday.",
  "Can you check order 48213 for me?",
  "Also, do you ship to Lisbon and how long does it take?",
  "ok thanks",
  "Could I change the size to 42 before it ships? The 41 will be too tight.",
];

type Sample = { turn: number; ours: number; naive: number };

function contentChars(content: unknown): number {
  if (typeof content === "string") return content.length;
  return JSON.stringify(content ?? "").length;
}

export async function runPromptGrowth(options: { quick?: boolean } = {}): Promise<FigureResult> {
  const turns = options.quick ? 100 : 500;
  const checkpoints = new Set([1, 10, 50, 100, 250, 500].filter((n) => n <= turns));
  const product = await startProduct({ routingDelayMs: 1e9 });
  const customer = "+15550400000";
  try {
    const samples: Sample[] = [];
    let historyChars = 0;
    for (let turn = 1; turn <= turns; turn++) {
      const text = `${QUESTIONS[turn % QUESTIONS.length]!} (${turn})`;
      product.nextSecond();
      const status = await product.customerWrites(customer, text, `wamid.PRM${turn}`);
      if (status !== 200) throw new Error(`webhook answered ${status}`);
      historyChars += text.length;
      const thread = (await product.threadOf(customer))!;
      const before = product.model.requests.length;
      await product.runTurn(thread._id, thread.generation);
      const request = product.model.requests[before];
      if (request === undefined) throw new Error(`turn ${turn} made no model call`);
      const ours = request.messages.reduce((sum, m) => sum + contentChars(m.content), 0);
      const system = request.messages
        .filter((m) => m.role === "system")
        .reduce((sum, m) => sum + contentChars(m.content), 0);
      const reply = await lastReply(product, thread._id);
      // The naive prompt: the same system prompt, the whole history, then this message.
      if (checkpoints.has(turn)) samples.push({ turn, ours, naive: system + historyChars });
      historyChars += reply.length;
      product.model.reset();
    }
    const rows = samples.map((s) => [
      int(s.turn),
      int(s.ours),
      int(s.naive),
      `${(s.naive / s.ours).toFixed(1)}×`,
    ]);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    return {
      id: "prompt-growth",
      title: `6. Prompt size per turn as one thread grows to ${turns} turns (characters sent to the model)`,
      lines: [
        ...table(["turn", "ours", "naive full history", "naive ÷ ours"], rows),
        "",
        `Ours at turn ${last.turn} ÷ ours at turn ${first.turn}: ${(last.ours / first.ours).toFixed(1)}×; ` +
          `naive: ${(last.naive / first.naive).toFixed(1)}×.`,
      ],
      data: { turns, samples },
    };
  } finally {
    await product.close();
  }
}

/** The text of the newest agent reply on the thread. */
async function lastReply(product: Product, threadId: Id<"threads">) {
  return await product.t.run(async (ctx) => {
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(5);
    return rows.find((m) => m.role === "assistant")?.content ?? "";
  });
}
