/**
 * Calls an agent's custom HTTP tool: the model's arguments plus the thread context go to the
 * tenant's URL with the tool's secret headers, through `safeFetch` (every hop checked against
 * private and metadata addresses, time- and size-limited); a secret header value echoed in the
 * response is redacted before the model (or the console's test call) sees it.
 */
import { z } from "zod";
import type { ChannelParams, HttpTool } from "../lib/validators";
import { BlockedUrlError, FetchTimeoutError, safeFetch, type SafeResponse } from "../lib/ssrf";
import { httpToolFetch, httpToolGetUrl, httpToolPostBody } from "./httpToolRules";
import type { ToolOutcome } from "./tools";

/** The text with every secret header value of the tool replaced by `[redacted]`. */
export function redactSecrets(tool: Pick<HttpTool, "secretHeaders">, raw: string): string {
  let text = raw;
  for (const h of tool.secretHeaders) {
    if (h.value.length >= 4) text = text.split(h.value).join("[redacted]");
  }
  return text;
}

/** The response text with every secret header value replaced, parsed as JSON when it is JSON. */
function redactedData(tool: HttpTool, raw: string): unknown {
  const text = redactSecrets(tool, raw);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function failureMessage(tool: Pick<HttpTool, "timeoutMs">, error: unknown): string {
  if (error instanceof FetchTimeoutError) {
    return `The tool did not answer within ${tool.timeoutMs} ms.`;
  }
  if (error instanceof BlockedUrlError) {
    return `The tool's address is not allowed (${error.message}).`;
  }
  return `The tool could not be reached (${(error as Error).message}).`;
}

/**
 * Checks arguments against the tool's JSON Schema: the parsed arguments, or the problems in
 * words (`path: message; ...`).
 */
export function checkHttpToolArguments(
  tool: Pick<HttpTool, "parameters">,
  args: unknown,
): { ok: true; args: Record<string, unknown> } | { ok: false; problems: string } {
  const schema = JSON.parse(tool.parameters) as Record<string, unknown>;
  const parsed = z.fromJSONSchema(schema as never).safeParse(args);
  if (parsed.success) return { ok: true, args: parsed.data as Record<string, unknown> };
  const problems = parsed.error.issues
    .map((i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`)
    .join("; ");
  return { ok: false, problems };
}

/** What one call of a tool got back, as read (not redacted). */
export type HttpToolCall = {
  response: SafeResponse;
  /** Arguments of a GET call left out because they would replace the URL's or the context's. */
  ignored: string[];
};

/**
 * Sends one call of the tool with checked arguments and the thread context, through
 * `safeFetch` with the tool's limits. Throws `BlockedUrlError`, `FetchTimeoutError` or the
 * network error; the response is returned as read (not redacted).
 */
export async function sendHttpToolCall(
  tool: HttpTool,
  args: Record<string, unknown>,
  channelParams: Pick<ChannelParams, "phoneNumber" | "contactName" | "bsuid">,
  doFetch: typeof fetch,
): Promise<HttpToolCall> {
  const context = {
    channel: "whatsapp",
    channelParams: {
      phoneNumber: channelParams.phoneNumber,
      contactName: channelParams.contactName,
      bsuid: channelParams.bsuid,
    },
  };
  const headers: Record<string, string> = { accept: "application/json" };
  for (const h of tool.secretHeaders) headers[h.name] = h.value;
  let url: URL;
  let body: string | undefined;
  let ignored: string[] = [];
  if (tool.method === "GET") {
    ({ url, ignored } = httpToolGetUrl(tool.url, args, context.channelParams));
  } else {
    url = new URL(tool.url);
    headers["content-type"] = "application/json";
    body = httpToolPostBody(args, context);
  }
  const { limits, options } = httpToolFetch(tool);
  const response = await safeFetch(
    url,
    { method: tool.method, headers, ...(body !== undefined ? { body } : {}) },
    limits,
    { ...options, fetch: doFetch },
  );
  return { response, ignored };
}

/** Calls a custom HTTP tool with the thread context; never echoes a secret header value back. */
export async function callHttpTool(
  tool: HttpTool,
  args: Record<string, unknown>,
  host: { channelParams: ChannelParams; fetch: typeof fetch },
): Promise<ToolOutcome> {
  try {
    const { response } = await sendHttpToolCall(tool, args, host.channelParams, host.fetch);
    if (response.bodyTooLarge) {
      return {
        ok: false,
        result: { error: `The tool's response exceeded ${tool.maxResponseBytes} bytes.` },
      };
    }
    const data = redactedData(tool, response.text);
    if (!response.ok) return { ok: false, result: { error: `HTTP ${response.status}`, data } };
    return { ok: true, result: data };
  } catch (error) {
    return { ok: false, result: { error: failureMessage(tool, error) } };
  }
}
