/**
 * The router editor's "test a message": the rule that would match and the agent routing would
 * pick, for rules not saved yet, in routing's order (first matching rule, classifier, fallback).
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { RouterRule } from "../convex/lib/validators";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };

let t: TestConvex;
let world: World;
let rules: RouterRule[];

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-10T12:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
  rules = [
    { match: { kind: "interactiveReplyId", ids: ["btn_sales"] }, agentId: world.ids.salesAgentId },
    { match: { kind: "keyword", keywords: ["price", "quote"] }, agentId: world.ids.salesAgentId },
    {
      match: { kind: "regex", pattern: "order\\s+#?\\d+", flags: "i" },
      agentId: world.ids.agentId,
    },
  ];
});

afterEach(() => {
  vi.useRealTimers();
});

function preview(args: Record<string, unknown>) {
  return world.orgA.member.query(api.console.routerPreview.test, {
    ...env,
    mode: "rules",
    rules,
    fallbackAgentId: world.ids.agentId,
    text: "",
    ...args,
  });
}

test("the first matching rule picks its agent, and every rule says whether it matches", async () => {
  const result = await preview({ text: "What's the price for order #123?" });
  expect(result.outcome).toBe("rule");
  expect(result.matchedRule).toBe(1);
  expect(result.agent).toEqual({ agentId: world.ids.salesAgentId, slug: "sales", name: "Sales" });
  expect(result.reason).toBe('rule 2 matched (keyword "price", "quote")');
  expect(result.rules.map((r) => r.matches)).toEqual([false, true, true]);
});

test("an interactive reply id matches its rule even when the text says nothing", async () => {
  const result = await preview({ text: "Talk to sales", interactiveReplyId: "btn_sales" });
  expect(result.matchedRule).toBe(0);
});

test("with no matching rule the fallback agent is picked", async () => {
  const result = await preview({ text: "Hello there" });
  expect(result).toMatchObject({
    outcome: "fallback",
    matchedRule: null,
    agent: { slug: "support" },
  });
});

test("a classify router with no matching rule would ask the classifier, without calling a model", async () => {
  const fetchSpy = vi.fn();
  vi.stubGlobal("fetch", fetchSpy);
  try {
    const result = await preview({
      text: "Hello there",
      mode: "classify",
      classifierAgentIds: [world.ids.salesAgentId, world.ids.agentId],
    });
    expect(result.outcome).toBe("classifier");
    expect(result.classifierCandidates.map((c) => c.slug)).toEqual(["sales", "support"]);
    expect(result.agent?.slug).toBe("support");
    expect(fetchSpy).not.toHaveBeenCalled();
  } finally {
    vi.unstubAllGlobals();
  }
});

test("a rule the editor would refuse is flagged instead of failing the preview", async () => {
  const result = await preview({
    text: "anything",
    rules: [
      { match: { kind: "regex", pattern: "(a)\\1" }, agentId: world.ids.agentId },
      { match: { kind: "keyword", keywords: [" "] }, agentId: world.ids.agentId },
    ],
  });
  expect(result.rules.map((r) => r.problem !== undefined)).toEqual([true, true]);
  expect(result.outcome).toBe("fallback");
});

test("without a usable fallback nothing would answer", async () => {
  const result = await preview({ text: "Hello", fallbackAgentId: undefined });
  expect(result).toMatchObject({ outcome: "no_agent", agent: null });
});

test("another organization's agents are treated as missing, never named", async () => {
  const result = await world.orgB.admin.query(api.console.routerPreview.test, {
    ...env,
    mode: "rules",
    rules,
    fallbackAgentId: world.ids.agentId,
    text: "price",
  });
  expect(result.outcome).toBe("no_agent");
  expect(result.rules.every((r) => r.agent === null && r.problem === "No such agent.")).toBe(true);
});
