/**
 * Small HTTP helpers for the local runtime's two ports: reading a request body with a size cap,
 * JSON answers, and the caller's identity from a verified `Authorization: Bearer <jwt>`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Identity, Issuer } from "./auth";

/** Convex answers requests up to 20 MiB; the local runtime refuses bodies past that too. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`Request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The verified identity of a bearer token, null without one; throws on a bad token. */
export async function bearerIdentity(
  req: IncomingMessage,
  issuer: Issuer,
): Promise<Identity | null> {
  return await headerIdentity(req.headers.authorization, issuer);
}

/** The same, from the `Authorization` header's value. */
export async function headerIdentity(
  header: string | undefined,
  issuer: Issuer,
): Promise<Identity | null> {
  if (!header) return null;
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m) throw new Error("Unsupported Authorization header (expected `Bearer <jwt>`).");
  return issuer.verify(m[1]!);
}
