/**
 * The agents domain's tables: agents, routers and one row per agent turn.
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import {
  agentFields,
  agentRunFields,
  vRouterMode,
  vRouterRule,
  tenantFields,
} from "../lib/validators";

export const agentsTables = {
  /** An AI agent: prompt template, model, tools and handoff policy. */
  agents: defineTable({
    ...tenantFields,
    ...agentFields,
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_slug", ["organizationId", "environment", "slug"]),

  /** Chooses an agent per inbound: ordered rules, or model classification, then the fallback. */
  routers: defineTable({
    ...tenantFields,
    name: v.string(),
    slug: v.string(),
    mode: vRouterMode,
    rules: v.array(vRouterRule),
    classifierPrompt: v.optional(v.string()),
    /** Agents the classifier may pick from (their descriptions are shown to the model). */
    classifierAgentIds: v.array(v.id("agents")),
    fallbackAgentId: v.id("agents"),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_slug", ["organizationId", "environment", "slug"]),

  /** One agent turn: what triggered it, what was decided, what it cost and how it ended. */
  agentRuns: defineTable({
    ...tenantFields,
    ...agentRunFields,
  })
    .index("by_threadId_and_startedAt", ["threadId", "startedAt"])
    .index("by_organizationId_and_environment_and_startedAt", [
      "organizationId",
      "environment",
      "startedAt",
    ])
    .index("by_startedAt", ["startedAt"]) // retention
    .index("by_outcome_and_startedAt", ["outcome", "startedAt"]), // watchdog: turns still running
};
