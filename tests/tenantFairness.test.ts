/**
 * Per-tenant fairness. Tenant A floods 1,000 inbound messages while tenant B gets
 * one. A deterministic simulation drives the routing jobs in scheduled order on a virtual clock
 * and serves model calls first-come first-served, `MODEL_CONCURRENCY` at a time, `MODEL_TURN_MS`
 * each. With the limits, A gets its burst and the rest of its turns are rescheduled (delayed, not
 * dropped), and B's reply lands within the fairness bound; without them B waits behind A's flood.
 * Also: a tenant over its model-token budget waits for it to refill, other tenants do not.
 */
import { isRoutingJob } from "./fixtures/webhooks";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { customerWrites, numberWithAgent, runsOfThread } from "./fixtures/metaInbound";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const START = new Date("2026-05-14T10:00:00Z").getTime();
const COALESCE_MS = 2_000;
const MODEL_CONCURRENCY = 10;
const MODEL_TURN_MS = 1_000;
const BURST = 20;
const PER_MINUTE = 120;
/** A tenant within its limits waits at most for the other tenants' bursts, then its own turn. */
const FAIRNESS_BOUND_MS = COALESCE_MS + (Math.ceil(BURST / MODEL_CONCURRENCY) + 1) * MODEL_TURN_MS;

let t: TestConvex;
let model: StandInModel;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  vi.stubEnv("TENANT_TURN_BURST", String(BURST));
  vi.stubEnv("TENANT_TURNS_PER_MINUTE", String(PER_MINUTE));
  model = useStandInModel();
  t = newTest();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

type Job = {
  at: number;
  seq: number;
  args: { threadId: Id<"threads">; generation: number; reserved?: boolean };
};

async function tenantWithNumber(org: string, phoneNumberId: string) {
  const tenant = await provisionTenant(t, org);
  const number = await numberWithAgent(tenant.admin, {
    phoneNumberId,
    label: `${org} line`,
    phoneNumber: `+1555${phoneNumberId.length}000${org.length}`,
    agent: { name: "Helper", slug: "helper", systemPrompt: "You help." },
  });
  return { ...tenant, number };
}

/** `count` customers of the tenant's number each wrote once at START (as the ingest stores it). */
async function flood(
  tenant: Awaited<ReturnType<typeof tenantWithNumber>>,
  count: number,
): Promise<Id<"threads">[]> {
  const ids: Id<"threads">[] = [];
  for (let start = 0; start < count; start += 250) {
    ids.push(
      ...(await t.run(async (ctx) => {
        const out: Id<"threads">[] = [];
        for (let i = start; i < Math.min(count, start + 250); i++) {
          const base = { organizationId: tenant.organizationId, environment: tenant.environment };
          const phone = `+1777${String(i).padStart(7, "0")}`;
          const contactId = await ctx.db.insert("contacts", {
            ...base,
            poolKey: `connection:${tenant.number.connectionId}`,
            phoneNumber: phone,
            attributes: {},
            createdAt: START,
            updatedAt: START,
          });
          const threadId = await ctx.db.insert("threads", {
            ...base,
            connectionId: tenant.number.connectionId,
            contactId,
            channel: "whatsapp",
            externalId: `whatsapp:${tenant.number.connectionId}:${phone}`,
            channelParams: { phoneNumber: phone, lastInboundAt: START },
            owner: "ai",
            ownerChangedAt: START,
            generation: 1,
            lastMessageAt: START,
            createdAt: START,
          });
          await ctx.db.insert("messages", {
            ...base,
            threadId,
            connectionId: tenant.number.connectionId,
            role: "user",
            content: `Order question ${i}`,
            channelData: {
              channel: "whatsapp",
              direction: "inbound",
              type: "text",
              providerMessageId: `wamid.FLOOD${tenant.number.phoneNumberId}${i}`,
              status: "received",
              statusTimestamps: {},
            },
            createdAt: START,
          });
          out.push(threadId);
        }
        return out;
      })),
    );
  }
  return ids;
}

/** Routing jobs the backend scheduled (deferred turns), not yet in the simulation's queue. */
async function scheduledRoutes(seen: Set<string>): Promise<Job[]> {
  const jobs = await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter(
      (j) => isRoutingJob(j) && j.state.kind === "pending",
    ),
  );
  return jobs
    .filter((j) => !seen.has(j._id))
    .map((j) => {
      seen.add(j._id);
      return { at: j.scheduledTime, seq: j._creationTime, args: j.args[0] as Job["args"] };
    });
}

/**
 * Runs routing jobs in scheduled order until `until` (virtual ms). A job that called the model
 * waits for one of MODEL_CONCURRENCY model slots, first come first served; its reply lands
 * MODEL_TURN_MS after its model call started. Returns each thread's reply time.
 */
async function simulate(queue: Job[], until: number) {
  const seen = new Set<string>();
  await scheduledRoutes(seen); // jobs scheduled before the simulation are represented in `queue`
  const slots: number[] = Array<number>(MODEL_CONCURRENCY).fill(0);
  const repliedAt = new Map<Id<"threads">, number>();
  for (;;) {
    queue.sort((x, y) => x.at - y.at || x.seq - y.seq);
    const job = queue.shift();
    if (job === undefined || job.at > until) break;
    const now = job.at;
    vi.setSystemTime(now);
    const calls = model.requests.length;
    await t.action(internal.agents.turn.run, job.args);
    if (model.requests.length > calls) {
      slots.sort((x, y) => x - y);
      const start = Math.max(now, slots[0]!);
      slots[0] = start + MODEL_TURN_MS;
      repliedAt.set(job.args.threadId, start + MODEL_TURN_MS);
    }
    if (queue.length === 0 || queue.every((j) => j.at > now)) {
      queue.push(...(await scheduledRoutes(seen)));
    }
  }
  return repliedAt;
}

function inboundJobs(threads: Id<"threads">[], seqFrom: number): Job[] {
  return threads.map((threadId, i) => ({
    at: START + COALESCE_MS,
    seq: seqFrom + i,
    args: { threadId, generation: 1 },
  }));
}

test("tenant A flooding 1,000 inbound does not delay tenant B's reply beyond the fairness bound; A's turns are delayed, not dropped", async () => {
  const a = await tenantWithNumber("org_a", "PNID_A");
  const b = await tenantWithNumber("org_b", "PNID_B");
  const aThreads = await flood(a, 1_000);
  const [bThread] = await flood(b, 1);
  // A's flood reaches routing first; B's one message is queued behind all of it.
  const queue = [...inboundJobs(aThreads, 0), ...inboundJobs([bThread!], 1_000)];

  const repliedAt = await simulate(queue, START + COALESCE_MS + 10_000);

  const bDelay = repliedAt.get(bThread!)! - START;
  expect(bDelay).toBeLessThanOrEqual(FAIRNESS_BOUND_MS);
  expect((await runsOfThread(t, bThread!))[0]!.outcome).toBe("replied");
  // A got its burst at once, then its rate (2 turns a second) for the simulated 10 seconds.
  const aReplied = aThreads.filter((id) => repliedAt.has(id)).length;
  expect(aReplied).toBeGreaterThanOrEqual(BURST);
  expect(aReplied).toBeLessThanOrEqual(BURST + (PER_MINUTE / 60) * 10 + 1);
  // Every other A message still has its routing job, at a reserved slot spread over the next minutes.
  const pending = await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter(
      (j) => isRoutingJob(j) && j.state.kind === "pending",
    ),
  );
  const waiting = new Set(pending.map((j) => (j.args[0] as Job["args"]).threadId));
  expect(aThreads.filter((id) => !repliedAt.has(id) && !waiting.has(id))).toEqual([]);
  const latest = Math.max(...pending.map((j) => j.scheduledTime));
  expect(latest - START).toBeGreaterThan(((1_000 - BURST) / PER_MINUTE) * 60_000 * 0.95);
}, 120_000);

test("without the per-tenant limits, the same simulation makes B wait behind A's flood (the test can fail)", async () => {
  vi.stubEnv("TENANT_TURN_BURST", "100000");
  vi.stubEnv("TENANT_TURNS_PER_MINUTE", "100000");
  const a = await tenantWithNumber("org_a", "PNID_A");
  const b = await tenantWithNumber("org_b", "PNID_B");
  const aThreads = await flood(a, 100);
  const [bThread] = await flood(b, 1);
  const queue = [...inboundJobs(aThreads, 0), ...inboundJobs([bThread!], 100)];
  const repliedAt = await simulate(queue, START + COALESCE_MS);
  expect(repliedAt.get(bThread!)! - START).toBeGreaterThan(FAIRNESS_BOUND_MS);
}, 120_000);

test("a tenant over its model-token budget waits for it to refill; another tenant is not held up", async () => {
  vi.stubEnv("TENANT_MODEL_TOKENS_PER_MINUTE", "60");
  const a = await tenantWithNumber("org_a", "PNID_A");
  const b = await tenantWithNumber("org_b", "PNID_B");
  const first = await customerWrites(t, a.number, "15550000001", "Hello");
  await t.action(internal.agents.turn.run, {
    threadId: first._id,
    generation: first.generation,
  });
  expect(model.requests).toHaveLength(1); // spent more than the whole minute's budget

  const second = await customerWrites(t, a.number, "15550000002", "Hello");
  await t.action(internal.agents.turn.run, {
    threadId: second._id,
    generation: second.generation,
  });
  expect(model.requests).toHaveLength(1);
  expect(await runsOfThread(t, second._id)).toEqual([]);
  const other = await customerWrites(t, b.number, "15550000003", "Hello");
  await t.action(internal.agents.turn.run, {
    threadId: other._id,
    generation: other.generation,
  });
  expect(model.requests).toHaveLength(2);

  // The ingest's own job (not reserved) is still pending too; the delayed turn is the reserved one.
  const [deferred] = (await scheduledRoutes(new Set())).filter(
    (j) => j.args.threadId === second._id && j.args.reserved === true,
  );
  expect(deferred).toBeDefined();
  expect(deferred!.at).toBeGreaterThan(Date.now());
  vi.setSystemTime(deferred!.at);
  await t.action(internal.agents.turn.run, deferred!.args);
  expect(model.requests).toHaveLength(3);
  expect((await runsOfThread(t, second._id))[0]!.outcome).toBe("replied");
});
