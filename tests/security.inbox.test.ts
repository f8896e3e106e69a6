/**
 * Settings and notifications under hostile or heavy input: numeric settings (handoff, agents,
 * HTTP tools) refuse NaN and Infinity, and an unread notification is found however many newer
 * ones were read.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("numeric handoff settings", () => {
  test.each([Infinity, NaN, -Infinity, 0.5])(
    "autoReleaseMinutes %s is refused and nothing is saved",
    async (autoReleaseMinutes) => {
      await expectCode(
        world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
          ...env,
          autoReleaseMinutes,
        }),
        "INVALID_ARGUMENT",
      );
      const settings = await world.orgA.admin.query(api.inbox.handoff.getSettings, env);
      expect(settings.autoReleaseMinutes).toBeUndefined();
    },
  );

  test("autoReleaseMinutes above a year is refused", async () => {
    await expectCode(
      world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
        ...env,
        autoReleaseMinutes: 366 * 24 * 60,
      }),
      "INVALID_ARGUMENT",
    );
  });

  test.each([Infinity, NaN, 1e9])("maxConsecutiveFallbacks %s is refused", async (value) => {
    await expectCode(
      world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
        ...env,
        maxConsecutiveFallbacks: value,
      }),
      "INVALID_ARGUMENT",
    );
  });

  test("finite values within range are saved", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      autoReleaseMinutes: 45,
      maxConsecutiveFallbacks: 3,
    });
    const settings = await world.orgA.admin.query(api.inbox.handoff.getSettings, env);
    expect(settings).toMatchObject({ autoReleaseMinutes: 45, maxConsecutiveFallbacks: 3 });
  });
});

describe("numeric agent settings", () => {
  test.each([NaN, Infinity])("temperature %s is refused", async (temperature) => {
    await expectCode(
      world.orgA.admin.mutation(api.agents.definitions.update, {
        ...env,
        agentId: world.ids.agentId,
        temperature,
      }),
      "INVALID_ARGUMENT",
    );
  });

  test.each([
    { timeoutMs: NaN },
    { timeoutMs: Infinity },
    { maxResponseBytes: NaN },
    { maxResponseBytes: Infinity },
  ])("an HTTP tool with %o is refused", async (limits) => {
    await expectCode(
      world.orgA.admin.mutation(api.agents.definitions.update, {
        ...env,
        agentId: world.ids.agentId,
        httpTools: [
          {
            name: "crm_lookup",
            description: "Find the customer",
            url: "https://crm.example.com/customers",
            method: "POST",
            parameters: JSON.stringify({ type: "object", properties: {} }),
            headers: [],
            ...limits,
          },
        ],
      }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("unread notifications", () => {
  test("an unread notification older than 150 read ones is still listed", async () => {
    await t.run(async (ctx) => {
      const tenant = {
        organizationId: world.a.organizationId,
        environment: "development" as const,
      };
      for (let i = 1; i <= 150; i++) {
        await ctx.db.insert("notifications", {
          ...tenant,
          threadId: world.ids.threadId,
          kind: "handoff",
          title: `Read ${i}`,
          body: "",
          createdAt: 1_000 + i,
          readAt: 2_000,
        });
      }
    });
    const unread = await world.orgA.member.query(api.inbox.handoff.notifications, {
      ...env,
      unreadOnly: true,
    });
    expect(unread.map((n) => n._id)).toEqual([world.ids.notificationId]);
  });

  test("unread notifications come newest first, and marking one read removes it", async () => {
    const second = await t.run((ctx) =>
      ctx.db.insert("notifications", {
        organizationId: world.a.organizationId,
        environment: "development",
        threadId: world.ids.threadId,
        kind: "handoff",
        title: "Newer",
        body: "",
        createdAt: 10,
      }),
    );
    const list = () =>
      world.orgA.member.query(api.inbox.handoff.notifications, { ...env, unreadOnly: true });
    expect((await list()).map((n) => n._id)).toEqual([second, world.ids.notificationId]);
    await world.orgA.member.mutation(api.inbox.handoff.markNotificationRead, {
      ...env,
      notificationId: second,
    });
    expect((await list()).map((n) => n._id)).toEqual([world.ids.notificationId]);
  });
});
