/**
 * Custom HTTP tools stay aimed where their admin aimed them: stored secret headers never move
 * to a new host, and a model's arguments never replace the URL's own query parameters or the
 * thread context the call carries.
 */
import { describe, expect, test } from "vitest";
import {
  httpToolFetch,
  httpToolGetUrl,
  httpToolPostBody,
  secretHeadersFor,
} from "../convex/agents/httpToolRules";
import { isAppError } from "../convex/lib/errors";

const stored = {
  url: "https://crm.example.com/lookup?tenant=acme",
  secretHeaders: [{ name: "X-Api-Key", value: "key-123" }],
};

describe("secret headers of an edited tool", () => {
  test("are kept when the URL changes only its path", () => {
    const input = {
      name: "lookup",
      url: "https://crm.example.com/v2/lookup",
      headers: [{ name: "X-Api-Key" }],
    };
    expect(secretHeadersFor(input, stored)).toEqual([{ name: "X-Api-Key", value: "key-123" }]);
  });

  test.each([
    "https://attacker.example.net/lookup",
    "http://crm.example.com/lookup",
    "https://crm.example.com:8443/lookup",
  ])("are dropped when the tool moves to %s", (url) => {
    let error: unknown;
    try {
      secretHeadersFor({ name: "lookup", url, headers: [{ name: "X-Api-Key" }] }, stored);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error, "INVALID_ARGUMENT")).toBe(true);
  });

  test("a new host with its own value for the header is accepted", () => {
    const input = {
      name: "lookup",
      url: "https://other.example.net/lookup",
      headers: [{ name: "X-Api-Key", value: "other-key" }],
    };
    expect(secretHeadersFor(input, stored)).toEqual([{ name: "X-Api-Key", value: "other-key" }]);
  });
});

describe("a GET tool call's URL", () => {
  const context = { phoneNumber: "+15557770000", contactName: "Dana", bsuid: undefined };

  test("keeps the URL's own query parameters whatever the model passes", () => {
    const { url, ignored } = httpToolGetUrl(stored.url, { tenant: "globex", order: "A1" }, context);
    expect(url.searchParams.getAll("tenant")).toEqual(["acme"]);
    expect(url.searchParams.get("order")).toBe("A1");
    expect(ignored).toEqual(["tenant"]);
  });

  test("keeps the thread context whatever the model passes, even for absent fields", () => {
    const { url } = httpToolGetUrl(
      "https://crm.example.com/lookup",
      { "context.phoneNumber": "+15550000000", "context.bsuid": "US.1" },
      context,
    );
    expect(url.searchParams.getAll("context.phoneNumber")).toEqual(["+15557770000"]);
    expect(url.searchParams.has("context.bsuid")).toBe(false);
    expect(url.searchParams.get("context.contactName")).toBe("Dana");
  });

  test("object arguments are sent as JSON", () => {
    const { url } = httpToolGetUrl("https://crm.example.com/x", { filter: { a: 1 } }, {});
    expect(url.searchParams.get("filter")).toBe('{"a":1}');
  });
});

test("a POST tool call keeps arguments and context apart", () => {
  const body = httpToolPostBody(
    { context: { channelParams: { phoneNumber: "+1555" } } },
    { channel: "whatsapp", channelParams: { phoneNumber: "+15557770000" } },
  );
  expect(JSON.parse(body).context).toEqual({
    channel: "whatsapp",
    channelParams: { phoneNumber: "+15557770000" },
  });
});

test("a tool's secret header names are the ones dropped on a cross-origin redirect", () => {
  const { limits, options } = httpToolFetch({
    timeoutMs: 3_000,
    maxResponseBytes: 4_096,
    secretHeaders: stored.secretHeaders,
  });
  expect(limits).toEqual({ timeoutMs: 3_000, maxBytes: 4_096 });
  expect(options.sensitiveHeaders).toEqual(["X-Api-Key"]);
});
