/**
 * The inbox functions: threads newest first, messages of a thread newest first, and
 * ownership changes that supersede any AI run already under way.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { newTest, type TestConvex } from "./setup";
import { seedWorld, type World } from "./fixtures/world";

const env = { environment: "development" as const };
const firstPage = { numItems: 10, cursor: null };
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => vi.useRealTimers());

async function generation() {
  return await t.run(async (ctx) => (await ctx.db.get("threads", world.ids.threadId))!.generation);
}

test("a member taking a thread over makes it human-owned and supersedes the AI run", async () => {
  const before = await generation();
  expect(
    await world.orgA.member.mutation(api.inbox.threads.takeOver, {
      ...env,
      threadId: world.ids.threadId,
    }),
  ).toBe(true);
  const thread = await world.orgA.member.query(api.inbox.threads.get, {
    ...env,
    threadId: world.ids.threadId,
  });
  expect(thread.owner).toBe("human");
  expect(await generation()).toBe(before + 1);
});

test("taking over a thread a human already owns changes nothing", async () => {
  await world.orgA.admin.mutation(api.inbox.threads.takeOver, {
    ...env,
    threadId: world.ids.threadId,
  });
  const before = await generation();
  expect(
    await world.orgA.admin.mutation(api.inbox.threads.takeOver, {
      ...env,
      threadId: world.ids.threadId,
    }),
  ).toBe(false);
  expect(await generation()).toBe(before);
});

test("releasing a thread gives it back to the AI", async () => {
  await world.orgA.admin.mutation(api.inbox.threads.takeOver, {
    ...env,
    threadId: world.ids.threadId,
  });
  await world.orgA.admin.mutation(api.inbox.threads.release, {
    ...env,
    threadId: world.ids.threadId,
  });
  const thread = await world.orgA.admin.query(api.inbox.threads.get, {
    ...env,
    threadId: world.ids.threadId,
  });
  expect(thread.owner).toBe("ai");
});

test("messages of a thread are listed newest first, a page at a time", async () => {
  await t.run(async (ctx) => {
    for (let i = 1; i <= 3; i++) {
      await ctx.db.insert("messages", {
        organizationId: world.a.organizationId,
        environment: "development",
        threadId: world.ids.threadId,
        connectionId: world.ids.metaConnectionId,
        role: "assistant",
        content: `reply ${i}`,
        channelData: {
          channel: "whatsapp",
          direction: "outbound",
          type: "text",
          status: "queued",
          statusTimestamps: { queuedAt: i * 1000 },
        },
        createdAt: i * 1000,
      });
    }
  });
  const page = await world.orgA.admin.query(api.inbox.threads.messages, {
    ...env,
    threadId: world.ids.threadId,
    paginationOpts: { numItems: 2, cursor: null },
  });
  expect(page.page.map((m) => m.content)).toEqual(["reply 3", "reply 2"]);
  expect(page.isDone).toBe(false);
});

test("the inbox lists the tenant's threads", async () => {
  const inbox = await world.orgA.admin.query(api.inbox.threads.list, {
    ...env,
    paginationOpts: firstPage,
  });
  expect(inbox.page.map((thread) => thread._id)).toEqual([world.ids.threadId]);
  const other = await world.orgB.admin.query(api.inbox.threads.list, {
    ...env,
    paginationOpts: firstPage,
  });
  expect(other.page).toEqual([]);
});
