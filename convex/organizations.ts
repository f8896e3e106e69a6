/**
 * Organizations mirror Clerk organizations. The dashboard calls `ensure` after sign-in; it
 * creates the row the first time a member of a new organization arrives, idempotently.
 */
import { v } from "convex/values";
import type { MutationCtx } from "./_generated/server";
import {
  allowedEnvironments,
  identifiedMutation,
  identifiedQuery,
  orgClaims,
  type OrgClaims,
} from "./lib/auth";
import { vEnvironment, vRole } from "./lib/validators";

export async function ensureOrganization(
  ctx: MutationCtx,
  claims: Omit<OrgClaims, "permissions">,
  now: number,
) {
  const existing = await ctx.db
    .query("organizations")
    .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", claims.clerkOrgId))
    .unique();
  if (existing !== null) {
    if (existing.name !== claims.orgName) {
      await ctx.db.patch("organizations", existing._id, { name: claims.orgName });
    }
    return existing._id;
  }
  return await ctx.db.insert("organizations", {
    clerkOrgId: claims.clerkOrgId,
    name: claims.orgName,
    createdAt: now,
  });
}

const vWhoAmI = v.object({
  organizationId: v.union(v.id("organizations"), v.null()),
  organizationName: v.string(),
  role: vRole,
  userId: v.string(),
  /** Where the caller may act: `production` needs an admin or the production permission. */
  environments: v.array(vEnvironment),
});

/** Creates the caller's organization on first use; returns who the caller is. */
export const ensure = identifiedMutation({
  args: {},
  returns: vWhoAmI,
  handler: async (ctx) => {
    const organizationId = await ensureOrganization(ctx, ctx.claims, Date.now());
    return {
      organizationId,
      organizationName: ctx.claims.orgName,
      role: ctx.claims.role,
      userId: ctx.claims.userId,
      environments: allowedEnvironments(ctx.claims),
    };
  },
});

/** Who the caller is; `organizationId` is null until `ensure` has run. */
export const whoami = identifiedQuery({
  args: {},
  returns: vWhoAmI,
  handler: async (ctx) => {
    const claims = orgClaims(await ctx.auth.getUserIdentity());
    const org = await ctx.db
      .query("organizations")
      .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", claims.clerkOrgId))
      .unique();
    return {
      organizationId: org?._id ?? null,
      organizationName: org?.name ?? claims.orgName,
      role: claims.role,
      userId: claims.userId,
      environments: allowedEnvironments(claims),
    };
  },
});
