/**
 * Webhook signatures: HMAC-SHA256 over the raw request bytes with Web Crypto (runs in the
 * Convex runtime), imported keys cached per secret, constant-time comparison, and several
 * secrets accepted at once so a secret can be rotated. Kapso sends bare lowercase hex in
 * `X-Webhook-Signature`; Meta sends `sha256=<hex>` in `X-Hub-Signature-256`.
 */

export type SignatureScheme = "kapso" | "meta";
export type SignatureCheck = "valid" | "missing" | "invalid";

const encoder = new TextEncoder();
const MAX_CACHED_KEYS = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (key === undefined) {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    keyCache.set(secret, key);
  }
  return key;
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function asBytes(body: Uint8Array | string): Uint8Array<ArrayBuffer> {
  if (typeof body === "string") return encoder.encode(body);
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  return copy;
}

/** Lowercase hex HMAC-SHA256 of `body` (the exact bytes received) under `secret`. */
export async function hmacSha256Hex(secret: string, body: Uint8Array | string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), asBytes(body)));
}

/** Lowercase hex SHA-256 of the body, recorded on every delivery. */
export async function sha256Hex(body: Uint8Array | string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", asBytes(body)));
}

/** Compares two strings in time independent of where they differ (length is not secret). */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The hex digest carried by a signature header, or null when the header is malformed. */
export function signatureFromHeader(scheme: SignatureScheme, header: string): string | null {
  const hex = scheme === "meta" ? (header.startsWith("sha256=") ? header.slice(7) : null) : header;
  return hex !== null && /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/**
 * Checks a signature header against every candidate secret. Every secret is tried (no early
 * exit) so timing does not reveal which one matched; returns the index of the matching secret.
 */
export async function verifySignature(
  scheme: SignatureScheme,
  body: Uint8Array | string,
  header: string | null,
  secrets: readonly string[],
): Promise<{ check: SignatureCheck; secretIndex?: number }> {
  if (header === null || header === "") return { check: "missing" };
  const given = signatureFromHeader(scheme, header);
  if (given === null) return { check: "invalid" };
  let match: number | undefined;
  for (let i = 0; i < secrets.length; i++) {
    const expected = await hmacSha256Hex(secrets[i]!, body);
    if (constantTimeEqual(expected, given) && match === undefined) match = i;
  }
  return match === undefined ? { check: "invalid" } : { check: "valid", secretIndex: match };
}
