/**
 * Shared test harness: the convex-test engine over every module of convex/, identities shaped
 * like Clerk's `convex` JWT template, and a helper that provisions a tenant with WhatsApp on.
 */
/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import rateLimiterSchema from "../node_modules/@convex-dev/rate-limiter/dist/component/schema.js";
import batchWorkerSchema from "../node_modules/@convex-dev/batch-worker/dist/component/schema.js";
import { api } from "../convex/_generated/api";
import schema from "../convex/schema";
import type { Environment } from "../convex/lib/validators";

// convex.config.ts is for deployment only (components are registered below); importing it under
// vitest would pull batch-worker's config, whose extensionless import Node's ESM loader rejects.
export const modules = import.meta.glob(["../convex/**/*.*s", "!../convex/convex.config.ts"]);

/** Modules of the components in convex/convex.config.ts (and their nested children). */
const componentModules = {
  rateLimiter: import.meta.glob([
    "../node_modules/@convex-dev/rate-limiter/dist/component/**/*.js",
    "!**/convex.config.js",
  ]),
  // batch-worker's convex.config.js imports "./logging" without an extension: not loadable in ESM.
  batchWorker: import.meta.glob([
    "../node_modules/@convex-dev/batch-worker/dist/component/**/*.js",
    "!**/convex.config.js",
  ]),
};

/** A fresh engine; `transactionLimits` enforces Convex's per-transaction limits (off by default). */
export function newTest(options: { transactionLimits?: boolean } = {}) {
  const t = convexTest({ schema, modules, ...options });
  t.registerComponent("rateLimiter", rateLimiterSchema, componentModules.rateLimiter);
  t.registerComponent("rateLimiter/batchWorker", batchWorkerSchema, componentModules.batchWorker);
  return t;
}

export type TestConvex = ReturnType<typeof newTest>;

export type Member = {
  subject: string;
  org_id: string;
  org_role: "org:admin" | "org:member";
  org_name: string;
};

export function identity(
  orgId: string,
  role: "admin" | "member" = "admin",
  user = "user_1",
): Member {
  return {
    subject: `${user}_${orgId}`,
    org_id: orgId,
    org_role: role === "admin" ? "org:admin" : "org:member",
    org_name: `Org ${orgId}`,
  };
}

/** Provisions an organization through the public API and enables WhatsApp in `environment`. */
export async function provisionTenant(
  t: TestConvex,
  orgId: string,
  environment: Environment = "development",
) {
  const admin = t.withIdentity(identity(orgId, "admin"));
  const who = await admin.mutation(api.organizations.ensure, {});
  await admin.mutation(api.whatsapp.connections.enable, { environment });
  return { admin, organizationId: who.organizationId!, environment };
}
