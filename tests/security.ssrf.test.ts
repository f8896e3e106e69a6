/**
 * Outgoing calls a tenant admin or a model can aim (hooks, HTTP tools) never reach loopback,
 * private, link-local (cloud metadata) or internal hosts, on the first hop or after a redirect;
 * https only outside the local runtime; secret headers never follow a redirect to another host.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import {
  BlockedUrlError,
  checkUrl,
  dnsOverHttpsResolver,
  safeFetch,
  type UrlPolicy,
} from "../convex/lib/ssrf";
import { handOffToHuman } from "../convex/inbox/handoff";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const deployed: UrlPolicy = { allowLocalNetwork: false };
const local: UrlPolicy = { allowLocalNetwork: true };
const limits = { timeoutMs: 5_000, maxBytes: 1_024 };

const REFUSED = [
  "https://127.0.0.1/",
  "https://127.1/",
  "https://2130706433/", // 127.0.0.1 in decimal
  "https://0x7f000001/",
  "https://0177.0.0.1/",
  "https://10.0.0.8/",
  "https://172.16.4.1/",
  "https://172.31.255.255/",
  "https://192.168.1.1/",
  "https://169.254.169.254/latest/meta-data/",
  "https://100.64.0.1/",
  "https://0.0.0.0/",
  "https://224.0.0.1/",
  "https://255.255.255.255/",
  "https://[::1]/",
  "https://[::]/",
  "https://[fd00:ec2::254]/",
  "https://[fc00::1]/",
  "https://[fe80::1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[::ffff:169.254.169.254]/",
  "https://[64:ff9b::a9fe:a9fe]/",
  "https://[2002:a9fe:a9fe::1]/",
  "https://[ff02::1]/",
  "https://localhost/",
  "https://api.localhost/",
  "https://localhost./",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://metadata/",
  "https://db.internal/",
  "https://printer.local/",
  "https://intranet/",
  "http://example.com/", // plain http outside the local runtime
  "https://user:pass@example.com/",
  "file:///etc/passwd",
];

describe("checkUrl", () => {
  test.each(REFUSED)("refuses %s", (url) => {
    expect(() => checkUrl(url, deployed)).toThrow(BlockedUrlError);
  });

  test.each([
    "https://hooks.slack.com/services/T0/B0/X",
    "https://8.8.8.8/",
    "https://[2606:4700:4700::1111]/",
    "https://[::ffff:8.8.8.8]/",
    "https://172.32.0.1/",
  ])("allows the public address %s", (url) => {
    expect(checkUrl(url, deployed).toString()).toBe(new URL(url).toString());
  });

  test("the local runtime may call http and loopback, but never link-local metadata", () => {
    expect(checkUrl("http://127.0.0.1:4000/hook", local).port).toBe("4000");
    expect(checkUrl("http://localhost:4000/hook", local).hostname).toBe("localhost");
    expect(() => checkUrl("http://169.254.169.254/", local)).toThrow(BlockedUrlError);
    expect(() => checkUrl("http://metadata.google.internal/", local)).toThrow(BlockedUrlError);
  });
});

type Call = { url: string; init: RequestInit };

function recordingFetch(answer: (url: string, n: number) => Response) {
  const calls: Call[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(url, calls.length);
  }) as typeof fetch;
  return { calls, fetcher };
}

const redirect = (location: string, status = 302) =>
  new Response(null, { status, headers: { location } });

describe("safeFetch", () => {
  test("does not follow a redirect to the metadata address", async () => {
    const { calls, fetcher } = recordingFetch(() =>
      redirect("http://169.254.169.254/latest/meta-data/iam"),
    );
    await expect(
      safeFetch("https://api.example.com/x", {}, limits, { policy: deployed, fetch: fetcher }),
    ).rejects.toThrow(BlockedUrlError);
    expect(calls.map((c) => c.url)).toEqual(["https://api.example.com/x"]);
    expect(calls[0]!.init.redirect).toBe("manual");
  });

  test("follows a public redirect, dropping secret headers when the host changes", async () => {
    const { calls, fetcher } = recordingFetch((url) =>
      url.startsWith("https://api.example.com")
        ? redirect("https://other.example.net/y", 307)
        : new Response("ok"),
    );
    const response = await safeFetch(
      "https://api.example.com/x",
      { method: "POST", body: "{}", headers: { "X-Api-Key": "k", Authorization: "Bearer t" } },
      limits,
      { policy: deployed, fetch: fetcher, sensitiveHeaders: ["x-api-key"] },
    );
    expect(response).toMatchObject({ status: 200, ok: true, text: "ok" });
    expect(response.url).toBe("https://other.example.net/y");
    const second = new Headers(calls[1]!.init.headers);
    expect(second.get("x-api-key")).toBeNull();
    expect(second.get("authorization")).toBeNull();
    expect(calls[1]!.init.method).toBe("POST");
  });

  test("a 302 after a POST continues as a GET without a body", async () => {
    const { calls, fetcher } = recordingFetch((_, n) =>
      n === 1 ? redirect("/done") : new Response(""),
    );
    await safeFetch("https://api.example.com/x", { method: "POST", body: "{}" }, limits, {
      policy: deployed,
      fetch: fetcher,
    });
    expect(calls[1]).toMatchObject({ url: "https://api.example.com/done" });
    expect(calls[1]!.init).toMatchObject({ method: "GET" });
    expect(calls[1]!.init.body).toBeUndefined();
  });

  test("stops after the maximum number of redirects", async () => {
    const { calls, fetcher } = recordingFetch((_, n) => redirect(`/hop${n}`));
    await expect(
      safeFetch("https://api.example.com/", {}, { ...limits, maxRedirects: 2 }, { fetch: fetcher }),
    ).rejects.toThrow("Too many redirects");
    expect(calls).toHaveLength(3);
  });

  test("reads at most the size limit of the answer", async () => {
    const { fetcher } = recordingFetch(() => new Response("x".repeat(5_000)));
    const response = await safeFetch("https://api.example.com/", {}, limits, { fetch: fetcher });
    expect(response.bodyTooLarge).toBe(true);
    expect(response.text).toHaveLength(1_024);
  });

  test("a name that resolves to a private address is refused before any request", async () => {
    const { calls, fetcher } = recordingFetch(() => new Response("ok"));
    const resolve = async () => ["93.184.216.34", "10.0.0.5"];
    await expect(
      safeFetch("https://rebind.example.com/", {}, limits, { fetch: fetcher, resolve }),
    ).rejects.toThrow(BlockedUrlError);
    expect(calls).toHaveLength(0);
  });

  test("gives up after the time limit", async () => {
    vi.useFakeTimers();
    try {
      const fetcher = ((_url: string, init: RequestInit) =>
        new Promise((_, reject) => {
          init.signal?.addEventListener("abort", () => reject(new Error("aborted")));
        })) as typeof fetch;
      const pending = safeFetch("https://slow.example.com/", {}, limits, { fetch: fetcher });
      const outcome = expect(pending).rejects.toThrow("No answer within 5000 ms");
      await vi.advanceTimersByTimeAsync(5_000);
      await outcome;
    } finally {
      vi.useRealTimers();
    }
  });

  test("DNS-over-HTTPS answers are read for A and AAAA records", async () => {
    const { calls, fetcher } = recordingFetch((url) =>
      Response.json({
        Answer: url.endsWith("type=A")
          ? [
              { type: 5, data: "alias.example.com." },
              { type: 1, data: "10.1.2.3" },
            ]
          : [{ type: 28, data: "2606:4700::1" }],
      }),
    );
    const resolve = dnsOverHttpsResolver("https://dns.example/dns-query", fetcher);
    expect(await resolve("api.example.com")).toEqual(["10.1.2.3", "2606:4700::1"]);
    expect(calls[0]!.url).toBe("https://dns.example/dns-query?name=api.example.com&type=A");
  });
});

describe("outgoing hooks", () => {
  const env = { environment: "development" as const };
  let t: TestConvex;
  let world: World;

  beforeEach(async () => {
    vi.useFakeTimers();
    t = newTest();
    world = await seedWorld(t);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  test.each([
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1:8080/admin",
    "http://hooks.example.com/plain-http",
  ])("a hook URL like %s is refused when saved", async (url) => {
    await expectCode(
      world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
        ...env,
        httpHook: { url, secret: "s" },
      }),
      "INVALID_ARGUMENT",
    );
  });

  /** The AI hands the thread over, which calls the tenant's hooks (a teammate taking it would not). */
  async function aiHandsOver() {
    await t.run(async (ctx) => {
      const thread = (await ctx.db.get("threads", world.ids.threadId))!;
      await handOffToHuman(ctx, thread, {
        reason: "customer_asked",
        by: { kind: "agent" },
        now: Date.now(),
      });
    });
  }

  test("a stored hook aimed at a private address is never called, and not retried", async () => {
    await t.run(async (ctx) => {
      const config = (await ctx.db.query("integrationConfigs").collect()).find(
        (c) => c.organizationId === world.a.organizationId && c.environment === "development",
      )!;
      await ctx.db.patch("integrationConfigs", config._id, {
        handoff: {
          escalationKeywords: [],
          maxConsecutiveFallbacks: 2,
          httpHook: { url: "https://10.0.0.7/internal-admin", secret: "s" },
        },
      });
    });
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      calls.push(url);
      return new Response("");
    });
    await aiHandsOver();
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(calls).toEqual([]);
    const hooks = await world.orgA.admin.query(api.inbox.hooks.list, env);
    expect(hooks[0]).toMatchObject({ hook: "http", state: "failed", attempts: 1 });
    expect(hooks[0]!.lastError).toContain("private");
  });

  test("a hook's redirect to the metadata address is not followed", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      httpHook: { url: "https://hooks.example.com/in", secret: "s" },
    });
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return redirect("http://169.254.169.254/latest/meta-data/");
    });
    await aiHandsOver();
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(calls.map((c) => c.url)).toEqual(["https://hooks.example.com/in"]);
    expect(calls[0]!.init.redirect).toBe("manual");
  });
});
