/**
 * The in-process product for figures 3–6 of `npm run bench`: the local runtime's engine (every
 * module of convex/, components, index-backed reads) with state in memory, the demo tenant, a
 * zero-latency stand-in model and provider answered through a stubbed `fetch`, the meter of
 * meter.ts, and the few moves the figures make: a customer writes, a turn runs, history is
 * seeded, the product settles.
 */
import { makeFunctionReference } from "convex/server";
import type { TestConvex } from "convex-test";
import type { Id } from "../../convex/_generated/dataModel";
import type schema from "../../convex/schema";
import { DEMO_CLAIMS } from "../local/auth";
import { demoNumber, ROOT } from "../local/config";
import { createEngine, type Engine } from "../local/engine";
import { createStandInModel, type StandInModel } from "../standInModel";
import { installMeter, installTransactionCounter, metered, unmetered, type Meter } from "./meter";
import { kapsoTextBody, hmacHex } from "./payloads";

/** Sends the provider answered and when; when the model was called. */
type Sends = { count: number; at: number[]; modelAt: number[] };
type Typed = TestConvex<typeof schema>;

export const MODEL_URL = "http://stand-in-model.bench/v1";
export const PROVIDER_URL = "http://fake-provider.bench";

/** The provider's answer to a send, as Kapso's Meta proxy returns it (no latency). */
function providerAnswer(request: Request, sends: Sends) {
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname.endsWith("/messages")) {
    sends.count += 1;
    sends.at.push(performance.now());
    const wamid = `wamid.BENCH${sends.count}`;
    return Response.json({
      messaging_product: "whatsapp",
      contacts: [{ input: "x", wa_id: "x" }],
      messages: [{ id: wamid }],
    });
  }
  return Response.json({ data: [], paging: {} });
}

export type Product = {
  engine: Engine;
  /** The engine, typed with the app's schema. */
  t: TestConvex<typeof schema>;
  model: StandInModel;
  sends: Sends;
  demo: ReturnType<typeof demoNumber>;
  connectionId: string;
  /** Counts everything `fn` causes (see meter.ts). */
  metered<T>(
    fn: () => Promise<T>,
    options?: { entryIsAction?: boolean },
  ): Promise<{ result: T; meter: Meter }>;
  /** POSTs a signed Kapso delivery of one customer text to the webhook; returns the status. */
  customerWrites(from: string, text: string, messageId: string): Promise<number>;
  /** POSTs a raw body to a webhook path with the given headers. */
  post(path: string, body: string, headers: Record<string, string>): Promise<number>;
  /** The thread of a customer of `connectionId` (demo number by default), or null. */
  threadOf(
    customer: string,
    connectionId?: string,
  ): Promise<{ _id: Id<"threads">; generation: number } | null>;
  /**
   * Inserts `count` earlier messages into a thread: customer and agent alternating, or, with
   * `outbound`, only queued agent messages carrying the provider ids it returns.
   */
  seedHistory(
    threadId: Id<"threads">,
    count: number,
    outbound?: (i: number) => string,
  ): Promise<void>;
  /** Connects a Meta-direct number to the demo tenant; returns its connection id. */
  connectMeta(phoneNumberId: string, appSecret: string, businessAccountId: string): Promise<string>;
  /**
   * Moves the product's clock to the next second. WhatsApp stamps whole seconds and a thread
   * sorts by that stamp, so a customer writing back within the second of the reply would sort
   * before it; a conversation on one thread moves the clock before each customer message.
   */
  nextSecond(): void;
  /** Runs the agent turn of a thread's current generation, as the scheduler would. */
  runTurn(threadId: Id<"threads">, generation: number): Promise<void>;
  /** Resolves once no scheduled function is pending or running. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/** Points the model and provider at in-process stand-ins that answer at once. */
function stubNetwork(model: StandInModel, sends: Sends, routingDelayMs: number) {
  process.env.ROUTING_COALESCE_MS = String(routingDelayMs);
  process.env.OPENAI_BASE_URL = MODEL_URL;
  process.env.OPENAI_API_KEY = "stand-in";
  process.env.OPENAI_RETRY_BASE_MS = "0";
  process.env.KAPSO_API_BASE_URL = PROVIDER_URL;
  process.env.KAPSO_API_KEY = "bench";
  process.env.META_GRAPH_BASE_URL = PROVIDER_URL;
  process.env.SWITCHBOARD_WEBHOOK_BASE_URL = "http://127.0.0.1:3211";
  // The tenant's fairness limits (turns and model tokens per minute) would make later turns
  // wait: the figures measure our code, not those limits.
  process.env.TENANT_TURNS_PER_MINUTE = "1000000";
  process.env.TENANT_TURN_BURST = "1000000";
  process.env.TENANT_MODEL_TOKENS_PER_MINUTE = "1000000000";
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.url.startsWith(MODEL_URL)) {
      sends.modelAt.push(performance.now());
      return await model.handle(request, init?.signal ?? undefined);
    }
    if (request.url.startsWith(PROVIDER_URL)) return providerAnswer(request, sends);
    return await realFetch(input, init);
  }) as typeof fetch;
  return () => {
    globalThis.fetch = realFetch;
  };
}

async function post(t: Typed, path: string, body: string, headers: Record<string, string>) {
  const response = await t.fetch(path, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", ...headers },
  });
  await response.text();
  return response.status;
}

/** Waits until no scheduled function due within a minute is pending or running. */
async function waitIdle(t: Typed, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Outside any meter: polling is the bench's work, not the product's. A turn parked behind
    // a huge coalescing window is not work.
    const busy = await unmetered(() =>
      t.run(async (ctx) => {
        const soon = Date.now() + 60_000;
        // Work in flight is among the newest jobs; reading them all would slow the product.
        const rows = await ctx.db.system.query("_scheduled_functions").order("desc").take(64);
        return rows.filter(
          (r) =>
            (r.state.kind === "pending" && r.scheduledTime < soon) || r.state.kind === "inProgress",
        ).length;
      }),
    );
    if (busy === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`still ${busy} scheduled functions after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function threadOf(t: Typed, connectionId: string, customer: string) {
  return await unmetered(() =>
    t.run(async (ctx) => {
      const thread = await ctx.db
        .query("threads")
        .withIndex("by_externalId", (q) =>
          q.eq("externalId", `whatsapp:${connectionId}:${customer}`),
        )
        .first();
      return thread && { _id: thread._id, generation: thread.generation };
    }),
  );
}

async function seedHistory(
  t: Typed,
  threadId: Id<"threads">,
  count: number,
  outbound?: (i: number) => string,
) {
  const base = Date.now() - 100_000_000;
  for (let start = 0; start < count; start += 2000) {
    await unmetered(() =>
      t.run(async (ctx) => {
        const thread = (await ctx.db.get("threads", threadId))!;
        for (let i = start; i < Math.min(count, start + 2000); i++) {
          const customer = outbound === undefined && i % 2 === 0;
          await ctx.db.insert("messages", {
            organizationId: thread.organizationId,
            environment: thread.environment,
            threadId,
            connectionId: thread.connectionId,
            role: customer ? "user" : "assistant",
            content: customer
              ? `Earlier question ${i}: is my order on its way?`
              : `Earlier answer ${i}: yes, it ships tomorrow.`,
            channelData: {
              channel: "whatsapp",
              direction: customer ? "inbound" : "outbound",
              type: "text",
              status: customer ? "received" : outbound !== undefined ? "queued" : "sent",
              statusTimestamps: {},
              ...(outbound !== undefined ? { providerMessageId: outbound(i) } : {}),
            },
            createdAt: base + i,
          });
        }
      }),
    );
  }
}

/** A Meta-direct number of the demo tenant, confirmed as the Graph API check would. */
async function connectMeta(
  t: Typed,
  phoneNumberId: string,
  appSecret: string,
  businessAccountId: string,
) {
  const connectionId = await t
    .withIdentity(DEMO_CLAIMS)
    .mutation(
      makeFunctionReference<"mutation", Record<string, string>, string>(
        "whatsapp/connections:connectMeta",
      ),
      {
        environment: "development",
        label: "Meta bench number",
        phoneNumber: "+15550783881",
        phoneNumberId,
        appId: "bench-app",
        appSecret,
        businessAccountId,
        accessToken: "bench-token",
      },
    );
  await t.mutation(
    makeFunctionReference<"mutation", { connectionId: string; ok: boolean }, unknown>(
      "whatsapp/connections:recordMetaVerification",
    ),
    { connectionId, ok: true },
  );
  return connectionId;
}

async function seedDemo(engine: Engine, demo: ReturnType<typeof demoNumber>) {
  return await engine.t.mutation(
    makeFunctionReference<"mutation", Record<string, string>, { connectionId: string }>(
      "demo:seed",
    ),
    {
      clerkOrgId: DEMO_CLAIMS.org_id,
      orgName: DEMO_CLAIMS.org_name,
      userId: DEMO_CLAIMS.subject,
      ...demo,
    },
  );
}

/**
 * Starts the product (in memory unless `statePath`). `routingDelayMs` is the coalescing window
 * (0 = a turn starts at once; a huge value parks turns so the bench can run them by hand).
 */
export async function startProduct(options: {
  routingDelayMs: number;
  /** Keep state in this snapshot file (a new, empty state) instead of in memory. */
  statePath?: string;
}): Promise<Product> {
  const model = createStandInModel();
  const sends: Sends = { count: 0, at: [], modelAt: [] };
  const restoreFetch = stubNetwork(model, sends, options.routingDelayMs);
  const engine = await createEngine({
    root: ROOT,
    statePath: options.statePath ?? null,
    reset: options.statePath !== undefined,
  });
  const demo = demoNumber();
  const { connectionId } = await seedDemo(engine, demo);
  installMeter();
  installTransactionCounter(engine);
  const t = engine.t as unknown as Typed;
  const send = (path: string, body: string, headers: Record<string, string>) =>
    post(t, path, body, headers);
  return {
    engine,
    t,
    model,
    sends,
    demo,
    connectionId,
    metered: (fn, o) => metered(engine, fn, o),
    post: send,
    customerWrites: (from, text, messageId) => {
      const body = kapsoTextBody({
        phoneNumberId: demo.providerPhoneNumberId,
        messageId,
        from,
        text,
        now: Date.now(),
      });
      return send("/webhook/kapso/messages", body, {
        "X-Webhook-Event": "whatsapp.message.received",
        "X-Webhook-Payload-Version": "v2",
        "X-Webhook-Signature": hmacHex(demo.webhookSecret, body),
      });
    },
    threadOf: (customer, connection = connectionId) => threadOf(t, connection, customer),
    seedHistory: (threadId, count, outbound) => seedHistory(t, threadId, count, outbound),
    connectMeta: (pnid, secret, waba) => connectMeta(t, pnid, secret, waba),
    nextSecond: () => {
      engine.advanceClock(1000);
    },
    runTurn: async (threadId, generation) => {
      await engine.t.action(
        makeFunctionReference<"action", { threadId: Id<"threads">; generation: number }, null>(
          "agents/turn:run",
        ),
        { threadId, generation },
      );
    },
    idle: (timeoutMs) => waitIdle(t, timeoutMs),
    close: async () => {
      await engine.close();
      restoreFetch();
    },
  };
}
