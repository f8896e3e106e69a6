/**
 * The data model. One table per concept; every tenant row carries `organizationId` and
 * `environment`, and every index a public read path uses starts with them, so a tenant's
 * reads are index ranges inside its own rows. See DESIGN.md ("Data model") for the flows.
 */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { agentsTables } from "./agents/tables";
import { playgroundMessageFields, playgroundSessionFields } from "./console/validators";
import { customersTables } from "./customers/tables";
import { inboxTables } from "./inbox/tables";
import { businessProfileFields, tenantFields } from "./lib/validators";
import { mediaTables } from "./media/tables";
import { outboundTables } from "./outbound/tables";
import { whatsappTables } from "./whatsapp/tables";

export default defineSchema({
  /** A Clerk organization, mirrored the first time one of its members signs in. */
  organizations: defineTable({
    clerkOrgId: v.string(),
    name: v.string(),
    createdAt: v.number(),
  }).index("by_clerkOrgId", ["clerkOrgId"]), // identity → organization, on every call

  /** What agents are told about the business (`{{business.context}}`), one per tenant. */
  businessProfiles: defineTable({
    ...tenantFields,
    ...businessProfileFields,
    updatedAt: v.number(),
    /** Clerk subject of the admin who last changed it. */
    updatedBy: v.string(),
  }).index("by_organizationId_and_environment", ["organizationId", "environment"]),

  /** A test conversation with one agent in the console's playground: never reaches WhatsApp. */
  playgroundSessions: defineTable({
    ...tenantFields,
    ...playgroundSessionFields,
  }).index("by_organizationId_and_environment_and_agentId", [
    "organizationId",
    "environment",
    "agentId",
  ]),

  /** The messages of a playground session, and the run details of each turn. */
  playgroundMessages: defineTable({
    ...tenantFields,
    ...playgroundMessageFields,
  }).index("by_sessionId_and_createdAt", ["sessionId", "createdAt"]),
  ...whatsappTables,
  ...agentsTables,
  ...customersTables,
  ...inboxTables,
  ...outboundTables,
  ...mediaTables,
});
