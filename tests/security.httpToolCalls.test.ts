/**
 * Custom HTTP tool calls go through safeFetch: a redirect to the metadata address is not
 * followed, the URL's own query parameters and the thread context survive the model's
 * arguments, and a moved tool needs its secret headers again.
 */
import { describe, expect, test } from "vitest";
import { callHttpTool } from "../convex/agents/httpTools";
import { mergeHttpTools } from "../convex/agents/tools";
import type { HttpTool } from "../convex/lib/validators";
import { isAppError } from "../convex/lib/errors";

const tool: HttpTool = {
  name: "lookup",
  description: "Find the customer",
  url: "https://crm.example.com/lookup?tenant=acme",
  method: "GET",
  parameters: JSON.stringify({ type: "object", properties: {} }),
  secretHeaders: [{ name: "X-Api-Key", value: "key-123456" }],
  timeoutMs: 3_000,
  maxResponseBytes: 4_096,
};
const channelParams = { phoneNumber: "+15557770000", contactName: "Dana" };

function host(answer: (url: string) => Response) {
  const urls: string[] = [];
  const inits: RequestInit[] = [];
  return {
    urls,
    inits,
    host: {
      channelParams,
      fetch: (async (url: string, init: RequestInit) => {
        urls.push(url);
        inits.push(init);
        return answer(url);
      }) as typeof fetch,
    },
  };
}

describe("an HTTP tool call", () => {
  test("does not follow a redirect to the metadata address", async () => {
    const {
      urls,
      inits,
      host: h,
    } = host(
      () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
    );
    const outcome = await callHttpTool(tool, {}, h as never);
    expect(outcome.ok).toBe(false);
    expect(urls).toHaveLength(1);
    expect(inits[0]!.redirect).toBe("manual");
  });

  test("keeps the URL's own parameters and the thread context whatever the model passes", async () => {
    const { urls, host: h } = host(() => Response.json({ ok: true }));
    await callHttpTool(tool, { tenant: "globex", "context.phoneNumber": "+1555" }, h as never);
    const sent = new URL(urls[0]!);
    expect(sent.searchParams.getAll("tenant")).toEqual(["acme"]);
    expect(sent.searchParams.getAll("context.phoneNumber")).toEqual(["+15557770000"]);
  });
});

test("moving a tool to another host drops its stored secret headers", () => {
  let error: unknown;
  try {
    mergeHttpTools(
      [{ ...tool, url: "https://attacker.example.net/x", headers: [{ name: "X-Api-Key" }] }],
      [tool],
    );
  } catch (e) {
    error = e;
  }
  expect(isAppError(error, "INVALID_ARGUMENT")).toBe(true);
});
