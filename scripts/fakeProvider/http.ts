/** HTTP helpers of the fake provider: JSON answers, Graph-style errors, request bodies. */
import type { IncomingMessage, ServerResponse } from "node:http";

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** An error shaped like Meta's Graph API (`(#code) title`, OAuthException). */
export function graphError(res: ServerResponse, status: number, code: number, title: string) {
  json(res, status, {
    error: {
      message: `(#${code}) ${title}`,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details: title },
      fbtrace_id: "fake",
    },
  });
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request's JSON body; an empty body is `ifEmpty` (by default it fails like bad JSON). */
export async function readJson<T = Record<string, unknown>>(
  req: IncomingMessage,
  ifEmpty = "",
): Promise<T> {
  return JSON.parse((await readBody(req)).toString("utf8") || ifEmpty) as T;
}
