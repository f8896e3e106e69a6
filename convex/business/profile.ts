/**
 * The business profile of a tenant (organization + environment): name, opening hours, address,
 * policies and language, edited by admins and read by every agent turn, where it renders as
 * `{{business.context}}` (and `{{business.hours}}`, ...) or, when the prompt does not place it,
 * as its own section (agents/prompt.ts).
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import schema from "../schema";
import { orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import type { BusinessProfile } from "../lib/validators";

/** Longest text of each field, so the profile always fits the prompt budget. */
export const BUSINESS_PROFILE_LIMITS: Record<keyof BusinessProfile, number> = {
  name: 200,
  hours: 1_000,
  address: 500,
  policies: 4_000,
  language: 50,
};

const FIELDS = Object.keys(BUSINESS_PROFILE_LIMITS) as (keyof BusinessProfile)[];

/** How each field is labelled in `{{business.context}}`. */
const LABELS: Record<keyof BusinessProfile, string> = {
  name: "Name",
  hours: "Opening hours",
  address: "Address",
  policies: "Policies",
  language: "Language",
};

/** The profile of a tenant, or null when its admins have not written one. */
export async function loadBusinessProfile(
  ctx: QueryCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
): Promise<Doc<"businessProfiles"> | null> {
  return await ctx.db
    .query("businessProfiles")
    .withIndex("by_organizationId_and_environment", (q) =>
      q.eq("organizationId", tenant.organizationId).eq("environment", tenant.environment),
    )
    .first();
}

/** The profile as prompt text (`{{business.context}}`); undefined when it says nothing. */
export function businessContext(profile: BusinessProfile | null): string | undefined {
  if (profile === null) return undefined;
  const lines = FIELDS.filter((f) => profile[f] !== undefined && profile[f].trim() !== "").map(
    (f) =>
      f === "policies"
        ? `${LABELS[f]}:\n${profile[f]!.trim()}`
        : `${LABELS[f]}: ${profile[f]!.trim()}`,
  );
  return lines.length > 0 ? lines.join("\n") : undefined;
}

/** The `business` prompt variables of a tenant: its profile, the organization name as fallback. */
export function businessVariables(profile: BusinessProfile | null, organizationName?: string) {
  const name = profile?.name?.trim() || organizationName;
  const context = businessContext(profile);
  return {
    ...(name ? { name } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(profile?.hours ? { hours: profile.hours } : {}),
    ...(profile?.address ? { address: profile.address } : {}),
    ...(profile?.policies ? { policies: profile.policies } : {}),
    ...(profile?.language ? { language: profile.language } : {}),
  };
}

/** The profile as admins and members see it. */
export const vBusinessProfileView = doc(schema, "businessProfiles").omit(
  "organizationId",
  "environment",
);

export const get = orgQuery({
  args: {},
  returns: v.union(vBusinessProfileView, v.null()),
  handler: async (ctx) => {
    const profile = await loadBusinessProfile(ctx, ctx.tenant);
    return profile === null ? null : project(profile, vBusinessProfileView);
  },
});

const vField = v.optional(v.union(v.string(), v.null()));

/** Sets the profile's fields: an omitted field is unchanged, `null` or empty text clears it. */
export const update = orgAdminMutation({
  args: { name: vField, hours: vField, address: vField, policies: vField, language: vField },
  returns: v.null(),
  handler: async (ctx, args) => {
    const existing = await loadBusinessProfile(ctx, ctx.tenant);
    const next: BusinessProfile = {};
    for (const field of FIELDS) {
      const given = args[field];
      const value = given === undefined ? existing?.[field] : (given?.trim() ?? "");
      if (value === undefined || value === "") continue;
      if (value.length > BUSINESS_PROFILE_LIMITS[field]) {
        throw appError(
          "INVALID_ARGUMENT",
          `The business ${LABELS[field].toLowerCase()} is at most ${BUSINESS_PROFILE_LIMITS[field]} characters.`,
        );
      }
      next[field] = value;
    }
    const row = { ...next, updatedAt: Date.now(), updatedBy: ctx.tenant.userId };
    if (existing === null) {
      await ctx.db.insert("businessProfiles", {
        organizationId: ctx.tenant.organizationId,
        environment: ctx.tenant.environment,
        ...row,
      });
    } else {
      await ctx.db.replace("businessProfiles", existing._id, {
        organizationId: existing.organizationId,
        environment: existing.environment,
        ...row,
      });
    }
    return null;
  },
});
