/**
 * "Test a message" for the router editor: given a router's rules, mode and fallback as they are
 * in the form (saved or not) and a customer message, says which rule matches and which agent
 * routing would pick, with the same rule evaluation routing uses. A `classify` router with no
 * matching rule is reported as "would ask the classifier": no model is called here.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { evaluateRules, compileRouterPattern } from "../agents/routerRules";
import { MAX_RULES } from "../agents/routers";
import { orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { vRouterMode, vRouterRule, type RouterRule } from "../lib/validators";

const vAgentRef = v.object({ agentId: v.id("agents"), slug: v.string(), name: v.string() });

export const vRouterPreview = v.object({
  /** `rule`: a rule picked the agent; `classifier`: the model would be asked (fallback if it
   * picks nobody); `fallback`: no rule matched; `no_agent`: nothing usable would answer. */
  outcome: v.union(
    v.literal("rule"),
    v.literal("classifier"),
    v.literal("fallback"),
    v.literal("no_agent"),
  ),
  /** The agent that would answer (for `classifier`: the fallback, if the model picks nobody). */
  agent: v.union(vAgentRef, v.null()),
  /** Index (0-based) of the rule that decided, as routing would record it. */
  matchedRule: v.union(v.number(), v.null()),
  reason: v.string(),
  /** Every rule, in order: whether it matches this message on its own, and what is wrong with it. */
  rules: v.array(
    v.object({
      index: v.number(),
      matches: v.boolean(),
      agent: v.union(vAgentRef, v.null()),
      problem: v.optional(v.string()),
    }),
  ),
  /** For `classifier`: the agents the model would choose from (with their descriptions). */
  classifierCandidates: v.array(v.object({ ...vAgentRef.fields, description: v.string() })),
});

type AgentRef = { agentId: Id<"agents">; slug: string; name: string; description: string };

/** The tenant's agent, or null for an id that is missing or belongs elsewhere (never echoed). */
async function agentOf(ctx: QueryCtx, tenant: Tenant, id: Id<"agents">): Promise<AgentRef | null> {
  const agent = await ctx.db.get("agents", id);
  if (
    agent === null ||
    agent.organizationId !== tenant.organizationId ||
    agent.environment !== tenant.environment
  ) {
    return null;
  }
  return { agentId: agent._id, slug: agent.slug, name: agent.name, description: agent.description };
}

const ref = (a: AgentRef | null) =>
  a === null ? null : { agentId: a.agentId, slug: a.slug, name: a.name };

/** What the router editor would refuse on save, said per rule instead of thrown. */
function ruleProblem(rule: RouterRule): string | undefined {
  const m = rule.match;
  switch (m.kind) {
    case "keyword":
      return m.keywords.some((k) => k.trim() !== "") ? undefined : "Give at least one keyword.";
    case "regex":
      try {
        compileRouterPattern(m.pattern, m.flags);
        return undefined;
      } catch (error) {
        return (error as { data?: { message?: string } }).data?.message ?? String(error);
      }
    case "interactiveReplyId":
      return m.ids.length > 0 ? undefined : "Give at least one reply id.";
    case "messageType":
      return m.types.length > 0 ? undefined : "Give at least one message type.";
    case "contactAttribute":
      return m.key.trim() !== "" ? undefined : "Name the contact attribute.";
  }
}

export const test = orgQuery({
  args: {
    mode: vRouterMode,
    rules: v.array(vRouterRule),
    fallbackAgentId: v.optional(v.id("agents")),
    classifierAgentIds: v.optional(v.array(v.id("agents"))),
    /** The customer's message. */
    text: v.string(),
    /** Id of the button or list row tapped, to try interactive-reply rules. */
    interactiveReplyId: v.optional(v.string()),
    /** Cloud API message type (default `interactive` with a reply id, `text` otherwise). */
    messageType: v.optional(v.string()),
    /** The customer's contact attributes, for contact-attribute rules. */
    contactAttributes: v.optional(v.record(v.string(), v.string())),
  },
  returns: vRouterPreview,
  handler: async (ctx, args) => {
    if (args.rules.length > MAX_RULES) {
      throw appError("INVALID_ARGUMENT", `A router has at most ${MAX_RULES} rules.`);
    }
    if (args.text.length > 4096) {
      throw appError("INVALID_ARGUMENT", "A WhatsApp text is at most 4,096 characters.");
    }
    const message = {
      text: args.text,
      type: args.messageType ?? (args.interactiveReplyId ? "interactive" : "text"),
      ...(args.interactiveReplyId !== undefined
        ? { interactiveReplyId: args.interactiveReplyId }
        : {}),
    };
    const attributes = args.contactAttributes ?? {};
    const rules = [];
    for (const [index, rule] of args.rules.entries()) {
      const agent = await agentOf(ctx, ctx.tenant, rule.agentId);
      const problem = ruleProblem(rule) ?? (agent === null ? "No such agent." : undefined);
      const matches = evaluateRules([rule], [message], attributes) !== null;
      rules.push({ index, matches, agent: ref(agent), ...(problem ? { problem } : {}) });
    }
    const fallback =
      args.fallbackAgentId === undefined
        ? null
        : await agentOf(ctx, ctx.tenant, args.fallbackAgentId);
    const candidates: AgentRef[] = [];
    for (const id of (args.classifierAgentIds ?? []).slice(0, 20)) {
      const agent = await agentOf(ctx, ctx.tenant, id);
      if (agent !== null) candidates.push(agent);
    }
    const decision = evaluateRules(args.rules, [message], attributes);
    return { rules, ...decide(args.mode, decision?.reason, rules, fallback, candidates) };
  },
});

type Evaluated = { index: number; matches: boolean; agent: ReturnType<typeof ref> };

/**
 * Routing's order: the first matching rule decides when its agent exists (a rule whose agent is
 * gone falls through to the fallback, not to the next rule) → classifier → fallback.
 */
function decide(
  mode: "rules" | "classify",
  ruleReason: string | undefined,
  evaluated: Evaluated[],
  fallback: AgentRef | null,
  candidates: AgentRef[],
) {
  const hit = evaluated.find((r) => r.matches);
  if (hit !== undefined && hit.agent !== null) {
    return {
      outcome: "rule" as const,
      agent: hit.agent,
      matchedRule: hit.index,
      reason: ruleReason ?? `rule ${hit.index + 1} matched`,
      classifierCandidates: [],
    };
  }
  const lead =
    hit === undefined
      ? "No rule matched"
      : `Rule ${hit.index + 1} matched but its agent does not exist`;
  if (fallback === null) {
    return {
      outcome: "no_agent" as const,
      agent: null,
      matchedRule: null,
      reason: `${lead} and the router has no usable fallback agent.`,
      classifierCandidates: [],
    };
  }
  if (mode === "classify" && candidates.length > 0) {
    return {
      outcome: "classifier" as const,
      agent: ref(fallback),
      matchedRule: null,
      reason: `${lead}: would ask the classifier to choose among ${candidates.map((c) => c.slug).join(", ")}; fallback ${fallback.slug} if it picks none.`,
      classifierCandidates: candidates,
    };
  }
  return {
    outcome: "fallback" as const,
    agent: ref(fallback),
    matchedRule: null,
    reason: `${lead}: fallback agent ${fallback.slug}.`,
    classifierCandidates: [],
  };
}
