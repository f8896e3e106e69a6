/**
 * Projections of rows that hold secrets. Anything a public function returns about a
 * connection goes through `connectionView`, which drops webhook secrets and Meta credentials
 * and keeps only the facts the dashboard shows (which secrets exist, not what they are).
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { vConnectionStatus, vPacing, vProvider } from "./validators";

export const vConnectionView = v.object({
  _id: v.id("whatsappConnections"),
  _creationTime: v.number(),
  label: v.string(),
  provider: vProvider,
  status: vConnectionStatus,
  phoneNumber: v.optional(v.string()),
  providerPhoneNumberId: v.optional(v.string()),
  businessAccountId: v.optional(v.string()),
  setupLinkUrl: v.optional(v.string()),
  setupError: v.optional(v.string()),
  agentId: v.optional(v.id("agents")),
  routerId: v.optional(v.id("routers")),
  memoryPoolId: v.optional(v.id("memoryPools")),
  persona: v.optional(v.string()),
  pacing: vPacing,
  /** How many webhook secrets are currently accepted (never the secrets themselves). */
  activeWebhookSecrets: v.number(),
  /** Non-secret parts of the Meta credentials. */
  meta: v.optional(
    v.object({ appId: v.string(), businessAccountId: v.string(), graphApiVersion: v.string() }),
  ),
  createdAt: v.number(),
  lastConnectedAt: v.optional(v.number()),
  lastDisconnectedAt: v.optional(v.number()),
});

export function connectionView(c: Doc<"whatsappConnections">, now: number) {
  return {
    _id: c._id,
    _creationTime: c._creationTime,
    label: c.label,
    provider: c.provider,
    status: c.status,
    phoneNumber: c.phoneNumber,
    providerPhoneNumberId: c.providerPhoneNumberId,
    businessAccountId: c.businessAccountId,
    setupLinkUrl: c.setupLinkUrl,
    setupError: c.setupError,
    agentId: c.agentId,
    routerId: c.routerId,
    memoryPoolId: c.memoryPoolId,
    persona: c.persona,
    pacing: c.pacing,
    activeWebhookSecrets: c.webhookSecrets.filter(
      (s) => s.expiresAt === undefined || s.expiresAt > now,
    ).length,
    meta: c.metaCredentials
      ? {
          appId: c.metaCredentials.appId,
          businessAccountId: c.metaCredentials.businessAccountId,
          graphApiVersion: c.metaCredentials.graphApiVersion,
        }
      : undefined,
    createdAt: c.createdAt,
    lastConnectedAt: c.lastConnectedAt,
    lastDisconnectedAt: c.lastDisconnectedAt,
  };
}
