/**
 * Router regex rules run admin-supplied patterns against customer text inside a mutation: they
 * match in linear time (RE2), and patterns RE2 cannot run, over-long patterns and unknown flags
 * are refused when the router is saved.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { evaluateRules, MAX_MATCHED_CHARS, MAX_PATTERN_LENGTH } from "../convex/agents/routerRules";
import type { RouterRule } from "../convex/lib/validators";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const agentId = "agent_1" as Id<"agents">;
const rule = (pattern: string, flags?: string): RouterRule => ({
  match: { kind: "regex", pattern, ...(flags !== undefined ? { flags } : {}) },
  agentId,
});

describe("regex rules", () => {
  // A backtracking engine needs time exponential in the length of the word before the "!" for
  // this pattern; the test would never return there.
  test("^(\\w+\\s?)*$ against 30,000 characters returns", () => {
    const text = `${"a".repeat(4_000)}!${"a".repeat(25_999)}`;
    expect(evaluateRules([rule("^(\\w+\\s?)*$")], [{ text, type: "text" }], {})).toBeNull();
    const words = "ab ".repeat(10_000);
    expect(evaluateRules([rule("(a+)+b")], [{ text: words, type: "text" }], {})).not.toBeNull();
  }, 20_000);

  test("flags i, m and s keep their meaning", () => {
    const message = { text: "First line\nORDER 123", type: "text" };
    expect(evaluateRules([rule("order \\d+", "i")], [message], {})).not.toBeNull();
    expect(evaluateRules([rule("order \\d+")], [message], {})).toBeNull();
    expect(evaluateRules([rule("^ORDER", "m")], [message], {})).not.toBeNull();
    expect(evaluateRules([rule("line.ORDER", "s")], [message], {})).not.toBeNull();
  });

  test("only the first characters of a long message are matched", () => {
    const text = `${"x".repeat(MAX_MATCHED_CHARS)}refund`;
    expect(evaluateRules([rule("refund")], [{ text, type: "text" }], {})).toBeNull();
  });
});

describe("saving a router", () => {
  const env = { environment: "development" as const };
  let t: TestConvex;
  let world: World;

  beforeEach(async () => {
    vi.useFakeTimers();
    t = newTest();
    world = await seedWorld(t);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const save = (pattern: string, flags?: string) =>
    world.orgA.admin.mutation(api.agents.routers.create, {
      ...env,
      name: "Regex",
      slug: "regex",
      rules: [{ ...rule(pattern, flags), agentId: world.ids.salesAgentId }],
      fallbackAgentId: world.ids.agentId,
    });

  test.each(["(a)\\1", "(?=refund)", "(?<!no )refund"])(
    "refuses %s, which the linear-time engine cannot run",
    async (pattern) => {
      const error = await expectCode(save(pattern), "INVALID_ARGUMENT");
      expect(error.data.message).toContain("Rule 1");
    },
  );

  test("refuses a pattern over the length limit", async () => {
    await expectCode(save("a".repeat(MAX_PATTERN_LENGTH + 1)), "INVALID_ARGUMENT");
  });

  test("refuses an unknown flag", async () => {
    await expectCode(save("refund", "x"), "INVALID_ARGUMENT");
  });

  test("accepts named groups and Unicode classes", async () => {
    await expect(save("(?<order>\\d+)|\\p{Greek}+", "iu")).resolves.toBeTruthy();
  });
});
