/**
 * The rules of a connection's own fields, without I/O: business numbers in E.164, the
 * credentials of a Meta-direct number, the bounds of its settings, webhook secret rotation,
 * and the view the dashboard gets (derived from the schema, never the secrets).
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import schema from "../schema";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import type { WebhookSecret } from "../lib/validators";

/** Meta's default throughput per business number. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
/**
 * How long a replaced webhook secret keeps verifying once the provider has the new one (or an
 * admin chose to expire it), so deliveries signed before the switch still pass.
 */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
/** Graph API version of a Meta-direct number when none is given. */
export const DEFAULT_GRAPH_API_VERSION = "v23.0";

/** Business numbers are stored in E.164 (`+` and digits). */
export function normalizeBusinessNumber(raw: string): string {
  const digits = raw.replace(/[\s()-.]/g, "").replace(/^00/, "+");
  const withPlus = digits.startsWith("+") ? digits : `+${digits}`;
  if (!/^\+[1-9]\d{6,14}$/.test(withPlus)) {
    throw appError("INVALID_ARGUMENT", `"${raw}" is not a phone number in international format.`);
  }
  return withPlus;
}

/** Refuses empty credentials and a Graph API version not shaped like v23.0. */
export function checkMetaCredentials(
  required: Record<string, string>,
  graphApiVersion: string,
): void {
  for (const [name, value] of Object.entries(required)) {
    if (value.trim() === "") throw appError("INVALID_ARGUMENT", `${name} is required.`);
  }
  if (!/^v\d+\.\d+$/.test(graphApiVersion)) {
    throw appError("INVALID_ARGUMENT", `Graph API version "${graphApiVersion}" is not like v23.0.`);
  }
}

/** Refuses a sending pace outside 1–1000 messages per second and an empty label. */
export function checkSettings(settings: { label?: string; messagesPerSecond?: number }): void {
  const { label, messagesPerSecond } = settings;
  if (
    messagesPerSecond !== undefined &&
    (!Number.isFinite(messagesPerSecond) || messagesPerSecond < 1 || messagesPerSecond > 1000)
  ) {
    throw appError("INVALID_ARGUMENT", "messagesPerSecond must be between 1 and 1000.");
  }
  if (label !== undefined && label.trim() === "") {
    throw appError("INVALID_ARGUMENT", "A number needs a label.");
  }
}

/** The secrets that still verify deliveries at `now`. */
export function activeSecrets(secrets: WebhookSecret[], now: number): WebhookSecret[] {
  return secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
}

/** SECRETS that verify a delivery for a number: its app secret (Meta-direct) or active secrets. */
export function verificationSecrets(connection: Doc<"whatsappConnections">, now: number): string[] {
  if (connection.provider === "meta") {
    return connection.metaCredentials ? [connection.metaCredentials.appSecret] : [];
  }
  return activeSecrets(connection.webhookSecrets, now).map((s) => s.secret);
}

/**
 * The secrets after a rotation: the new secret is added last (the one pushed to the provider).
 * The active ones keep verifying until the provider confirms it has the new one
 * (`expireSuperseded`), or, when an admin chooses to, expire within the grace period from now
 * (an earlier expiry is kept).
 */
export function rotateSecrets(
  secrets: WebhookSecret[],
  fresh: string,
  now: number,
  expirePrevious: boolean,
) {
  const previousExpireAt = expirePrevious ? now + SECRET_ROTATION_GRACE_MS : undefined;
  const kept = activeSecrets(secrets, now).map((s) =>
    previousExpireAt === undefined
      ? s
      : { ...s, expiresAt: Math.min(s.expiresAt ?? previousExpireAt, previousExpireAt) },
  );
  // Strictly newer than every kept secret: `expireSuperseded` tells them apart by `addedAt`.
  const addedAt = Math.max(now, ...secrets.map((s) => s.addedAt + 1));
  return { webhookSecrets: [...kept, { secret: fresh, addedAt }], previousExpireAt };
}

/**
 * The provider now signs with the secret added at `pushedAddedAt`: the older ones expire
 * after the grace period (deliveries signed before the switch still pass meanwhile).
 */
export function expireSuperseded(secrets: WebhookSecret[], pushedAddedAt: number, now: number) {
  const expiry = now + SECRET_ROTATION_GRACE_MS;
  return secrets.map((s) =>
    s.addedAt < pushedAddedAt ? { ...s, expiresAt: Math.min(s.expiresAt ?? expiry, expiry) } : s,
  );
}

/**
 * A connection as public functions return it: every field of the row except tenancy, the
 * provider's bookkeeping and the SECRETS (webhook secrets, Meta credentials), plus how many
 * secrets are active and the non-secret parts of the Meta credentials.
 */
export const vConnectionView = doc(schema, "whatsappConnections")
  .omit(
    "organizationId",
    "environment",
    "kapsoCustomerId",
    "providerWebhookId",
    "webhookSecrets",
    "metaCredentials",
  )
  .extend({
    /** How many webhook secrets are currently accepted (never the secrets themselves). */
    activeWebhookSecrets: v.number(),
    /** Non-secret parts of the Meta credentials. */
    meta: v.optional(
      v.object({ appId: v.string(), businessAccountId: v.string(), graphApiVersion: v.string() }),
    ),
  });

export function connectionView(c: Doc<"whatsappConnections">, now: number) {
  const credentials = c.metaCredentials;
  return project(
    {
      ...c,
      activeWebhookSecrets: activeSecrets(c.webhookSecrets, now).length,
      meta: credentials && {
        appId: credentials.appId,
        businessAccountId: credentials.businessAccountId,
        graphApiVersion: credentials.graphApiVersion,
      },
    },
    vConnectionView,
  );
}
