/**
 * Rules that keep a custom HTTP tool aimed where its admin aimed it: stored secret headers are
 * kept only while the tool's origin stays the same, and the model's arguments can never replace
 * the URL's own query parameters or the thread context the call carries.
 */
import { appError } from "../lib/errors";
import type { FetchLimits, SafeFetchOptions } from "../lib/ssrf";
import type { HttpTool, HttpToolInput } from "../lib/validators";

/** Query parameters of a GET tool call that carry the thread context (`context.phoneNumber`…). */
export const CONTEXT_PARAM_PREFIX = "context.";

function origin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** True when a stored tool's secrets may go on to `nextUrl`: same scheme, host and port. */
export function keepsStoredSecrets(storedUrl: string, nextUrl: string): boolean {
  const before = origin(storedUrl);
  return before !== null && before === origin(nextUrl);
}

/**
 * The secret headers of an edited tool. A header sent without a value keeps the stored value,
 * but only while the tool still points at the same origin: a new host must be given its
 * secrets again, so changing a URL can never forward an existing key to another server.
 */
export function secretHeadersFor(
  input: Pick<HttpToolInput, "name" | "url" | "headers">,
  stored: Pick<HttpTool, "url" | "secretHeaders"> | undefined,
): { name: string; value: string }[] {
  const reusable = stored !== undefined && keepsStoredSecrets(stored.url, input.url);
  return input.headers.map((h) => {
    const value =
      h.value ??
      (reusable ? stored.secretHeaders.find((s) => s.name === h.name)?.value : undefined);
    if (value === undefined) {
      const why = stored !== undefined && !reusable ? " (the tool's host changed)" : "";
      throw appError(
        "INVALID_ARGUMENT",
        `HTTP tool "${input.name}": header ${h.name} needs a value${why}.`,
      );
    }
    return { name: h.name, value };
  });
}

function paramValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The URL of a GET tool call: the tool's URL, the model's arguments as query parameters and the
 * thread context as `context.*` parameters. An argument named like one of the URL's own
 * parameters or like a context parameter is left out (and reported), never substituted.
 */
export function httpToolGetUrl(
  toolUrl: string,
  args: Record<string, unknown>,
  context: Record<string, string | undefined>,
): { url: URL; ignored: string[] } {
  const url = new URL(toolUrl);
  const own = new Set(url.searchParams.keys());
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (own.has(key) || key.startsWith(CONTEXT_PARAM_PREFIX) || value === undefined) {
      if (value !== undefined) ignored.push(key);
      continue;
    }
    url.searchParams.set(key, paramValue(value));
  }
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) url.searchParams.set(`${CONTEXT_PARAM_PREFIX}${key}`, value);
  }
  return { url, ignored };
}

/** The JSON body of a POST tool call: arguments and context side by side, never merged. */
export function httpToolPostBody(
  args: Record<string, unknown>,
  context: { channel: string; channelParams: Record<string, string | undefined> },
): string {
  return JSON.stringify({ arguments: args, context });
}

/** How `safeFetch` is called for a tool: its limits, and its secret headers kept to its origin. */
export function httpToolFetch(
  tool: Pick<HttpTool, "timeoutMs" | "maxResponseBytes" | "secretHeaders">,
): {
  limits: FetchLimits;
  options: Pick<SafeFetchOptions, "sensitiveHeaders">;
} {
  return {
    limits: { timeoutMs: tool.timeoutMs, maxBytes: tool.maxResponseBytes },
    options: { sensitiveHeaders: tool.secretHeaders.map((h) => h.name) },
  };
}
