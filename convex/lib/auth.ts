/**
 * Tenancy: the custom builders every public function is made with. They resolve the caller's
 * Clerk identity (JWT template `convex` with `org_id`/`org_role`/`org_permissions` claims) to
 * an organization, a role and the environment the call is about, once, and put them on `ctx`.
 * `orgQuery` and friends admit any member in `development`; `production` also needs the
 * organization's admin role or the `org:production:manage` permission; the `Admin` variants
 * refuse members with FORBIDDEN.
 */
import {
  customAction,
  customCtx,
  customMutation,
  customQuery,
} from "convex-helpers/server/customFunctions";
import { makeFunctionReference, type UserIdentity } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id, TableNames } from "../_generated/dataModel";
import {
  action,
  internalQuery,
  mutation,
  query,
  type ActionCtx,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import { appError } from "./errors";
import { vEnvironment, type Environment, type Role } from "./validators";

/** Who is calling and for which tenant: what every org function receives on `ctx`. */
export type Tenant = {
  organizationId: Id<"organizations">;
  environment: Environment;
  role: Role;
  userId: string;
};

/** The Clerk claims we rely on. */
export type OrgClaims = {
  userId: string;
  clerkOrgId: string;
  orgName: string;
  role: Role;
  /** Custom organization permissions (`org:<feature>:<permission>`). */
  permissions: string[];
};

/** The Clerk permission that lets a member (not only an admin) work in `production`. */
export const PRODUCTION_PERMISSION = "org:production:manage";

/** `org_permissions` as Clerk sends it: a list, or one comma- or space-separated string. */
function permissionsClaim(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(/[\s,]+/) : [];
  return items.filter((p): p is string => typeof p === "string" && p !== "");
}

/** The environments these claims may act in: production needs admin or the permission. */
export function allowedEnvironments(
  claims: Pick<OrgClaims, "role" | "permissions">,
): Environment[] {
  const production = claims.role === "admin" || claims.permissions.includes(PRODUCTION_PERMISSION);
  return production ? ["development", "production"] : ["development"];
}

/** Reads the org claims of an identity; an identity without an active organization is refused. */
export function orgClaims(identity: UserIdentity | null): OrgClaims {
  if (identity === null) {
    throw appError("UNAUTHENTICATED", "Sign in to use Switchboard.");
  }
  const orgId = identity["org_id"];
  if (typeof orgId !== "string" || orgId.length === 0) {
    throw appError("NO_ORGANIZATION", "Select an organization: your session carries none.");
  }
  const rawRole = identity["org_role"];
  const role: Role = rawRole === "org:admin" || rawRole === "admin" ? "admin" : "member";
  const orgName = identity["org_name"];
  return {
    userId: identity.subject,
    clerkOrgId: orgId,
    orgName: typeof orgName === "string" && orgName.length > 0 ? orgName : orgId,
    role,
    permissions: permissionsClaim(identity["org_permissions"]),
  };
}

async function resolveTenant(
  ctx: QueryCtx,
  environment: Environment,
  requireAdmin: boolean,
): Promise<Tenant> {
  const claims = orgClaims(await ctx.auth.getUserIdentity());
  const org = await ctx.db
    .query("organizations")
    .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", claims.clerkOrgId))
    .unique();
  if (org === null) {
    throw appError(
      "ORGANIZATION_NOT_PROVISIONED",
      "This organization has not been set up yet: call organizations.ensure first.",
    );
  }
  if (!allowedEnvironments(claims).includes(environment)) {
    throw appError(
      "FORBIDDEN",
      `Your role has no access to ${environment}: it needs an admin or the ${PRODUCTION_PERMISSION} permission.`,
    );
  }
  if (requireAdmin && claims.role !== "admin") {
    throw appError("FORBIDDEN", "Only organization admins can do this.");
  }
  return { organizationId: org._id, environment, role: claims.role, userId: claims.userId };
}

/** Internal lookup used by the action builders (actions have no `ctx.db`). */
export const resolveTenantForAction = internalQuery({
  args: { environment: vEnvironment, requireAdmin: v.boolean() },
  handler: (ctx, { environment, requireAdmin }) => resolveTenant(ctx, environment, requireAdmin),
});
// Referenced by name: `internal.lib.auth...` would make this module's types depend on itself.
const resolveTenantRef = makeFunctionReference<
  "query",
  { environment: Environment; requireAdmin: boolean },
  Tenant
>("lib/auth:resolveTenantForAction");

const envArgs = { environment: vEnvironment };

function tenantBuilder(requireAdmin: boolean) {
  return {
    args: envArgs,
    input: async (ctx: QueryCtx, { environment }: { environment: Environment }) => ({
      ctx: { tenant: await resolveTenant(ctx, environment, requireAdmin) },
      args: {},
    }),
  };
}

function actionTenantBuilder(requireAdmin: boolean) {
  return {
    args: envArgs,
    input: async (ctx: ActionCtx, { environment }: { environment: Environment }) => ({
      ctx: {
        tenant: await ctx.runQuery(resolveTenantRef, { environment, requireAdmin }),
      },
      args: {},
    }),
  };
}

/** A query any member of the caller's organization may run, scoped to `args.environment`. */
export const orgQuery = customQuery(query, tenantBuilder(false));
/** A mutation any member may run. */
export const orgMutation = customMutation(mutation, tenantBuilder(false));
/** A mutation only organization admins may run (connections, agents, routers). */
export const orgAdminMutation = customMutation(mutation, tenantBuilder(true));
/** An action any member may run. */
export const orgAction = customAction(action, actionTenantBuilder(false));
/** An action only organization admins may run. */
export const orgAdminAction = customAction(action, actionTenantBuilder(true));

/** An authenticated mutation that needs no provisioned organization (organizations.ensure). */
export const identifiedMutation = customMutation(
  mutation,
  customCtx(async (ctx) => ({ claims: orgClaims(await ctx.auth.getUserIdentity()) })),
);
/** Same, for queries. */
export const identifiedQuery = customQuery(
  query,
  customCtx(async (ctx) => ({ claims: orgClaims(await ctx.auth.getUserIdentity()) })),
);

type TenantTable =
  | "integrationConfigs"
  | "memoryPools"
  | "whatsappConnections"
  | "agents"
  | "routers"
  | "contacts"
  | "threads"
  | "messages"
  | "agentRuns"
  | "memories"
  | "templates"
  | "notifications"
  | "followUps";

/**
 * Loads a row of the caller's tenant. Rows of other organizations or of the other
 * environment are reported as NOT_FOUND, exactly like ids that do not exist.
 */
export async function getOwned<T extends TenantTable & TableNames>(
  ctx: QueryCtx,
  tenant: Tenant,
  table: T,
  id: Id<T>,
): Promise<Doc<T>> {
  const doc = (await ctx.db.get(table, id)) as (Doc<T> & Tenant) | null;
  if (
    doc === null ||
    doc.organizationId !== tenant.organizationId ||
    doc.environment !== tenant.environment
  ) {
    const noun = table
      .replace(/s$/, "")
      .replace(/([A-Z])/g, " $1")
      .toLowerCase();
    throw appError("NOT_FOUND", `No such ${noun} in this environment.`);
  }
  return doc;
}

export type OrgMutationCtx = MutationCtx & { tenant: Tenant };
export type OrgQueryCtx = QueryCtx & { tenant: Tenant };
