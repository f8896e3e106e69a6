/**
 * Calls an agent's custom HTTP tool: the model's arguments plus the thread context go to the
 * tenant's URL with the tool's secret headers, through `safeFetch` (every hop checked against
 * private and metadata addresses, time- and size-limited); a secret header value echoed in the
 * response is redacted before the model sees it.
 */
import type { HttpTool } from "../lib/validators";
import { BlockedUrlError, FetchTimeoutError, safeFetch } from "../lib/ssrf";
import { httpToolFetch, httpToolGetUrl, httpToolPostBody } from "./httpToolRules";
import type { ToolHost, ToolOutcome } from "./tools";

/** The response text with every secret header value replaced, parsed as JSON when it is JSON. */
function redactedData(tool: HttpTool, raw: string): unknown {
  let text = raw;
  for (const h of tool.secretHeaders) {
    if (h.value.length >= 4) text = text.split(h.value).join("[redacted]");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function failureMessage(tool: HttpTool, error: unknown): string {
  if (error instanceof FetchTimeoutError) {
    return `The tool did not answer within ${tool.timeoutMs} ms.`;
  }
  if (error instanceof BlockedUrlError) {
    return `The tool's address is not allowed (${error.message}).`;
  }
  return `The tool could not be reached (${(error as Error).message}).`;
}

/** Calls a custom HTTP tool with the thread context; never echoes a secret header value back. */
export async function callHttpTool(
  tool: HttpTool,
  args: Record<string, unknown>,
  host: Pick<ToolHost, "channelParams" | "fetch">,
): Promise<ToolOutcome> {
  const context = {
    channel: "whatsapp",
    channelParams: {
      phoneNumber: host.channelParams.phoneNumber,
      contactName: host.channelParams.contactName,
      bsuid: host.channelParams.bsuid,
    },
  };
  const headers: Record<string, string> = { accept: "application/json" };
  for (const h of tool.secretHeaders) headers[h.name] = h.value;
  let url: URL;
  let body: string | undefined;
  if (tool.method === "GET") {
    url = httpToolGetUrl(tool.url, args, context.channelParams).url;
  } else {
    url = new URL(tool.url);
    headers["content-type"] = "application/json";
    body = httpToolPostBody(args, context);
  }
  const { limits, options } = httpToolFetch(tool);
  try {
    const response = await safeFetch(
      url,
      { method: tool.method, headers, ...(body !== undefined ? { body } : {}) },
      limits,
      { ...options, fetch: host.fetch },
    );
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
