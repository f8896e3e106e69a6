/**
 * Webhook signatures: HMAC-SHA256 over the raw request bytes, constant-time comparison, and
 * several secrets accepted at once so a secret can be rotated. Kapso sends bare lowercase hex in
 * `X-Webhook-Signature`; Meta sends `sha256=<hex>` in `X-Hub-Signature-256`. Both engines run in
 * the Convex runtime and in Node: small bodies go through @noble/hashes (pure JS, no per-call
 * overhead), larger ones through Web Crypto (native hashing); keyed state is cached per secret.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export type SignatureScheme = "kapso" | "meta";
export type SignatureCheck = "valid" | "missing" | "invalid";

/**
 * Bodies up to this size are hashed in JS. Measured in Node (`npm run bench`, figure 1): a Web
 * Crypto call costs ~20–35 µs whatever the size, @noble/hashes ~15 µs per KiB; they cross near 1 KiB.
 */
export const SMALL_BODY_BYTES = 1024;

const encoder = new TextEncoder();
const MAX_CACHED_KEYS = 256;
type NobleHmac = ReturnType<typeof hmac.create>;
const nobleKeys = new Map<string, NobleHmac>();
const webKeys = new Map<string, Promise<CryptoKey>>();

/** A bounded per-secret cache: cleared when full (secrets change rarely). */
function cached<T>(cache: Map<string, T>, secret: string, make: () => T): T {
  let value = cache.get(secret);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    value = make();
    cache.set(secret, value);
  }
  return value;
}

function webKey(secret: string): Promise<CryptoKey> {
  return cached(webKeys, secret, () =>
    crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    ),
  );
}

/** HMAC-SHA256 of `bytes` under `secret`, through the faster engine for its size. */
async function hmacBytes(secret: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.byteLength <= SMALL_BODY_BYTES) {
    const keyed = cached(nobleKeys, secret, () => hmac.create(sha256, encoder.encode(secret)));
    return keyed.clone().update(bytes).digest();
  }
  // Web Crypto takes the caller's view as is: no copy of the body.
  const mac = await crypto.subtle.sign(
    "HMAC",
    await webKey(secret),
    bytes as Uint8Array<ArrayBuffer>,
  );
  return new Uint8Array(mac);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

function asBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

/** Lowercase hex HMAC-SHA256 of `body` (the exact bytes received) under `secret`. */
export async function hmacSha256Hex(secret: string, body: Uint8Array | string): Promise<string> {
  return toHex(await hmacBytes(secret, asBytes(body)));
}

/** Lowercase hex SHA-256 of the body (recorded on deliveries that were not verified). */
export async function sha256Hex(body: Uint8Array | string): Promise<string> {
  const bytes = asBytes(body);
  if (bytes.byteLength <= SMALL_BODY_BYTES) return toHex(sha256(bytes));
  return toHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
  );
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

/** The 32 bytes of a 64-character lowercase hex digest (already validated). */
function digestBytes(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Compares two digests in time independent of where they differ. */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
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
  const expected = digestBytes(given);
  const bytes = asBytes(body);
  let match: number | undefined;
  for (let i = 0; i < secrets.length; i++) {
    if (sameDigest(await hmacBytes(secrets[i]!, bytes), expected) && match === undefined) match = i;
  }
  return match === undefined ? { check: "invalid" } : { check: "valid", secretIndex: match };
}
