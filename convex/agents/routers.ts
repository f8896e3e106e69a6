/**
 * Routers, which this module owns: CRUD for the dashboard and CLI. A router always has a
 * fallback agent; every agent it names must belong to the same organization and environment;
 * regex rules must compile; slugs are unique per organization and environment. A router still
 * assigned to a connection cannot be deleted.
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import schema from "../schema";
import { checkSlug } from "./definitions";
import { compileRouterPattern } from "./routerRules";
import { getOwned, orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { stripUndefined } from "../lib/objects";
import { project } from "../lib/projections";
import { vRouterMode, vRouterRule, type Environment, type RouterRule } from "../lib/validators";

export const MAX_RULES = 100;

export async function findRouterBySlug(
  ctx: QueryCtx,
  organizationId: Id<"organizations">,
  environment: Environment,
  slug: string,
) {
  return await ctx.db
    .query("routers")
    .withIndex("by_organizationId_and_environment_and_slug", (q) =>
      q.eq("organizationId", organizationId).eq("environment", environment).eq("slug", slug),
    )
    .unique();
}

type RouterInput = {
  slug?: string;
  name?: string;
  rules?: RouterRule[];
  classifierAgentIds?: Id<"agents">[];
  fallbackAgentId?: Id<"agents">;
};

async function checkRouter(
  ctx: QueryCtx,
  tenant: Tenant,
  router: RouterInput,
  self?: Id<"routers">,
) {
  if (router.slug !== undefined) {
    checkSlug(router.slug);
    const existing = await findRouterBySlug(
      ctx,
      tenant.organizationId,
      tenant.environment,
      router.slug,
    );
    if (existing !== null && existing._id !== self) {
      throw appError("SLUG_TAKEN", `A router with slug "${router.slug}" already exists.`);
    }
  }
  if (router.name !== undefined && router.name.trim() === "") {
    throw appError("INVALID_ARGUMENT", "A router needs a name.");
  }
  const rules = router.rules ?? [];
  if (rules.length > MAX_RULES) {
    throw appError("INVALID_ARGUMENT", `A router has at most ${MAX_RULES} rules.`);
  }
  for (const [index, rule] of rules.entries()) checkRule(rule, index);
  const agentIds = [
    ...rules.map((r) => r.agentId),
    ...(router.classifierAgentIds ?? []),
    ...(router.fallbackAgentId ? [router.fallbackAgentId] : []),
  ];
  for (const agentId of new Set(agentIds)) {
    await getOwned(ctx, tenant, "agents", agentId);
  }
}

function checkRule(rule: RouterRule, index: number) {
  const where = `Rule ${index + 1}`;
  switch (rule.match.kind) {
    case "keyword":
      if (rule.match.keywords.filter((k) => k.trim() !== "").length === 0) {
        throw appError("INVALID_ARGUMENT", `${where}: give at least one keyword.`);
      }
      return;
    case "regex":
      try {
        compileRouterPattern(rule.match.pattern, rule.match.flags);
      } catch (error) {
        const message = (error as { data?: { message?: string } }).data?.message;
        throw appError("INVALID_ARGUMENT", `${where}: ${message ?? String(error)}`);
      }
      return;
    case "interactiveReplyId":
      if (rule.match.ids.length === 0) {
        throw appError("INVALID_ARGUMENT", `${where}: give at least one reply id.`);
      }
      return;
    case "messageType":
      if (rule.match.types.length === 0) {
        throw appError("INVALID_ARGUMENT", `${where}: give at least one message type.`);
      }
      return;
    case "contactAttribute":
      if (rule.match.key.trim() === "") {
        throw appError("INVALID_ARGUMENT", `${where}: name the contact attribute.`);
      }
      return;
  }
}

/** What the dashboard sees of a router: every field but tenancy. */
/** A router's own fields: what `insertRouter` is given (tenancy and timestamps are stamped). */
export type RouterFields = Omit<
  Doc<"routers">,
  "_id" | "_creationTime" | "organizationId" | "environment" | "createdAt" | "updatedAt"
>;

/** Stores a new router of the tenant, already checked (`create`, and the local demo). */
export async function insertRouter(
  ctx: MutationCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
  fields: RouterFields,
) {
  const now = Date.now();
  return await ctx.db.insert("routers", {
    ...fields,
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    createdAt: now,
    updatedAt: now,
  });
}

export const vRouterView = doc(schema, "routers").omit("organizationId", "environment");

export function routerView(router: Doc<"routers">) {
  return project(router, vRouterView);
}

export const list = orgQuery({
  args: {},
  returns: v.array(vRouterView),
  handler: async (ctx) => {
    const routers = await ctx.db
      .query("routers")
      .withIndex("by_organizationId_and_environment_and_slug", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(500);
    return routers.map(routerView);
  },
});

export const get = orgQuery({
  args: { routerId: v.id("routers") },
  returns: vRouterView,
  handler: async (ctx, { routerId }) =>
    routerView(await getOwned(ctx, ctx.tenant, "routers", routerId)),
});

export const create = orgAdminMutation({
  args: {
    name: v.string(),
    slug: v.string(),
    mode: v.optional(vRouterMode),
    rules: v.optional(v.array(vRouterRule)),
    classifierPrompt: v.optional(v.string()),
    classifierAgentIds: v.optional(v.array(v.id("agents"))),
    /** Required; optional here only so that its absence gets a clear error code. */
    fallbackAgentId: v.optional(v.id("agents")),
  },
  returns: v.id("routers"),
  handler: async (ctx, args) => {
    const { fallbackAgentId } = args;
    if (fallbackAgentId === undefined) {
      throw appError("ROUTER_FALLBACK_REQUIRED", "A router must name a fallback agent.");
    }
    const router = {
      name: args.name,
      slug: args.slug,
      mode: args.mode ?? "rules",
      rules: args.rules ?? [],
      classifierAgentIds: args.classifierAgentIds ?? [],
      fallbackAgentId,
      ...(args.classifierPrompt !== undefined ? { classifierPrompt: args.classifierPrompt } : {}),
    };
    await checkRouter(ctx, ctx.tenant, router);
    return await insertRouter(ctx, ctx.tenant, router);
  },
});

export const update = orgAdminMutation({
  args: {
    routerId: v.id("routers"),
    name: v.optional(v.string()),
    slug: v.optional(v.string()),
    mode: v.optional(vRouterMode),
    rules: v.optional(v.array(vRouterRule)),
    classifierPrompt: v.optional(v.string()),
    classifierAgentIds: v.optional(v.array(v.id("agents"))),
    fallbackAgentId: v.optional(v.id("agents")),
  },
  returns: v.null(),
  handler: async (ctx, { routerId, ...changes }) => {
    await getOwned(ctx, ctx.tenant, "routers", routerId);
    const patch = stripUndefined(changes);
    await checkRouter(ctx, ctx.tenant, patch, routerId);
    await ctx.db.patch("routers", routerId, { ...patch, updatedAt: Date.now() });
    return null;
  },
});

export const remove = orgAdminMutation({
  args: { routerId: v.id("routers") },
  returns: v.null(),
  handler: async (ctx, { routerId }) => {
    await getOwned(ctx, ctx.tenant, "routers", routerId);
    const connections = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(1000);
    const user = connections.find((c) => c.routerId === routerId);
    if (user) {
      throw appError("IN_USE", `This router still handles connection "${user.label}".`);
    }
    await ctx.db.delete("routers", routerId);
    return null;
  },
});
