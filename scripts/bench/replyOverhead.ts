/**
 * Figure 4 of `npm run bench`: what our code adds between a customer's message and the reply
 * leaving for the provider, with a model and a provider that answer at once (no coalescing
 * window): the webhook's 200, then routing, context, the model call, recording and the paced
 * send. Conversations run one after another, each with a new customer.
 */
import { startProduct } from "./harness";
import { percentile, summarize, table, type FigureResult } from "./stats";

export async function runReplyOverhead(options: { quick?: boolean } = {}): Promise<FigureResult> {
  const conversations = options.quick ? 30 : 100;
  const product = await startProduct({ routingDelayMs: 0 });
  try {
    const acks: number[] = [];
    const replies: number[] = [];
    const models: number[] = [];
    const calls: number[] = [];
    for (let i = -5; i < conversations; i++) {
      const customer = `+1555030${String(i + 5).padStart(4, "0")}`;
      const sendsBefore = product.sends.count;
      const start = performance.now();
      let acked = 0;
      const { meter } = await product.metered(async () => {
        const status = await product.customerWrites(
          customer,
          "Hi, is the store open today?",
          `wamid.RPL${i}`,
        );
        acked = performance.now();
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        await product.idle();
      });
      if (product.sends.count !== sendsBefore + 1) throw new Error("no reply was sent");
      // The first conversations load and compile modules: not measured.
      if (i < 0) continue;
      acks.push(acked - start);
      replies.push(product.sends.at[product.sends.at.length - 1]! - start);
      models.push(product.sends.modelAt[product.sends.modelAt.length - 1]! - start);
      calls.push(meter.functionCalls);
    }
    const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
    const ack = sorted(acks);
    const reply = sorted(replies);
    const model = sorted(models);
    const p = (v: number[], q: number) => percentile(v, q).toFixed(1);
    const ratio = summarize(replies.map((r, i) => r / acks[i]!));
    return {
      id: "reply-overhead",
      title:
        "4. Inbound-to-reply overhead with a zero-latency model and provider (ms, in-process engine)",
      lines: [
        ...table(
          [
            "conversations",
            "webhook 200 p50 / p99",
            "model called p50 / p99",
            "reply at provider p50 / p99",
            "reply ÷ 200 (median)",
            "function calls per conversation",
            "share of a 1 s model call",
          ],
          [
            [
              String(conversations),
              `${p(ack, 50)} / ${p(ack, 99)}`,
              `${p(model, 50)} / ${p(model, 99)}`,
              `${p(reply, 50)} / ${p(reply, 99)}`,
              `${ratio.median.toFixed(1)}×`,
              String(summarize(calls).median),
              `${((percentile(reply, 50) / (1000 + percentile(reply, 50))) * 100).toFixed(1)} %`,
            ],
          ],
        ),
      ],
      data: {
        conversations,
        ackMs: { p50: percentile(ack, 50), p99: percentile(ack, 99), ...summarize(acks) },
        modelCalledMs: { p50: percentile(model, 50), p99: percentile(model, 99) },
        replyMs: { p50: percentile(reply, 50), p99: percentile(reply, 99), ...summarize(replies) },
        replyOverAck: ratio,
        functionCalls: summarize(calls),
      },
    };
  } finally {
    await product.close();
  }
}
