// @vitest-environment node
/**
 * The local runtime's HTTP behaviour: `/local/token` (and the other `/local/*` routes) answer
 * only the dashboard's origin; `/local/clock` moves the engine's clock ahead so time-based rules
 * and scheduled functions can be tested; and while a long transaction holds the engine, other
 * requests are still answered and HTTP actions wait in line, then run in arrival order.
 */
import { makeFunctionReference } from "convex/server";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { BusyControl } from "./fixtures/localApp/convex/notes";
import { loadIssuer } from "../scripts/local/auth";
import { clockOffset, resetClock } from "../scripts/local/clock";
import { createEngine, type Engine } from "../scripts/local/engine";
import { startServer, type LocalServer } from "../scripts/local/server";

const app = path.join(import.meta.dirname, "fixtures", "localApp");
const list = makeFunctionReference<"query", { channel: string }, string[]>("notes:list");
const page = makeFunctionReference<"query">("notes:page");
const add = makeFunctionReference<"mutation", { channel: string; text: string }, string>(
  "notes:add",
);
const addLater = makeFunctionReference<
  "mutation",
  { channel: string; text: string; delayMs: number }
>("notes:addLater");
const busy = makeFunctionReference<"mutation", Record<string, never>, number>("notes:busy");
const DASHBOARD = "http://127.0.0.1:5173";

let engine: Engine;
let server: LocalServer;

beforeAll(async () => {
  engine = await createEngine({ root: app, statePath: null });
  server = await startServer({ engine, issuer: await loadIssuer(null), port: 0, sitePort: 0 });
});

afterAll(async () => {
  await server.close();
  await engine.close();
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("/local/token answers only the dashboard", () => {
  test("the dashboard's origin gets a token and CORS naming that origin, not *", async () => {
    const res = await fetch(`${server.url}/local/token`, { headers: { Origin: DASHBOARD } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(((await res.json()) as { token: string }).token).toMatch(/^ey/);
  });

  test("a page of another origin is refused without a token or CORS header", async () => {
    const res = await fetch(`${server.url}/local/token`, {
      headers: { Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(await res.text()).not.toMatch(/token"\s*:/);
  });

  test("another origin's preflight is refused", async () => {
    const res = await fetch(`${server.url}/local/token`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("a caller that is not a web page (CLI, scripts) gets a token", async () => {
    const res = await fetch(`${server.url}/local/token`);
    expect(res.status).toBe(200);
  });

  test("an origin allowed later (the dashboard on another port) is answered", async () => {
    server.allowDashboardOrigin("http://127.0.0.1:45678/");
    const res = await fetch(`${server.url}/local/token`, {
      headers: { Origin: "http://127.0.0.1:45678" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:45678");
  });
});

describe("/local/clock", () => {
  afterEach(() => resetClock());

  const advance = (advanceMs: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/local/clock`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ advanceMs }),
    });

  test("moves the time functions see ahead by the amount asked", async () => {
    const day = 24 * 3600 * 1000;
    const before = Date.now();
    const res = await advance(day);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { offsetMs: number }).offsetMs).toBe(day);
    await engine.t.mutation(add, { channel: "clock", text: "tomorrow" });
    const { page: rows } = (await engine.t.query(page, {
      channel: "clock",
      paginationOpts: { numItems: 1, cursor: null },
    })) as { page: Array<{ _creationTime: number }> };
    expect(rows[0]!._creationTime).toBeGreaterThanOrEqual(before + day);
  });

  test("HTTP actions, in their own thread, see the moved clock too", async () => {
    const day = 24 * 3600 * 1000;
    const before = Date.now();
    expect((await advance(day)).status).toBe(200);
    const probe = (await (await fetch(`${server.siteUrl}/probe`)).json()) as { now: number };
    expect(probe.now).toBeGreaterThanOrEqual(before + day);
  });

  test("runs a scheduled function that has come due", async () => {
    await engine.t.mutation(addLater, { channel: "due", text: "later", delayMs: 3600_000 });
    await expect(engine.t.query(list, { channel: "due" })).resolves.toEqual([]);
    expect((await advance(2 * 3600_000)).status).toBe(200);
    await until(async () => (await engine.t.query(list, { channel: "due" })).length === 1);
  });

  test("refuses a body that is not JSON, a negative amount and another origin", async () => {
    const text = await fetch(`${server.url}/local/clock`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ advanceMs: 1000 }),
    });
    expect(text.status).toBe(415);
    expect((await advance(-5)).status).toBe(400);
    expect((await advance(1000, { Origin: "https://evil.example" })).status).toBe(403);
    expect(clockOffset()).toBe(0);
  });
});

describe("HTTP actions run in a thread of their own", () => {
  type Probe = {
    now: number;
    url: string;
    subject: string | null;
    refused: unknown;
    scheduler: string;
  };

  test("a mutation's ConvexError reaches the action with its data; the URL is the site's", async () => {
    const res = await fetch(`${server.siteUrl}/probe?x=1`);
    expect(res.status).toBe(200);
    const probe = (await res.json()) as Probe;
    expect(probe.refused).toEqual({ code: "INVALID_ARGUMENT", message: "empty" });
    expect(probe.url).toBe(`${server.siteUrl}/probe?x=1`);
    expect(probe.subject).toBeNull();
  });

  test("the scheduler, which the thread cannot reach, fails with a message saying so", async () => {
    const probe = (await (await fetch(`${server.siteUrl}/probe`)).json()) as Probe;
    expect(probe.scheduler).toMatch(/ctx\.scheduler\.runAfter is not available to HTTP actions/);
    await expect(engine.t.query(list, { channel: "probe" })).resolves.toEqual([]);
  });

  test("a verified bearer token is the caller's identity; a bad one is answered 401", async () => {
    const { token } = (await (await fetch(`${server.url}/local/token`)).json()) as {
      token: string;
    };
    const ok = await fetch(`${server.siteUrl}/probe`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(((await ok.json()) as Probe).subject).toEqual(expect.any(String));
    const bad = await fetch(`${server.siteUrl}/probe`, {
      headers: { Authorization: "Bearer not-a-token" },
    });
    expect(bad.status).toBe(401);
  });

  test("an unknown path is answered 404 and an oversized body 413", async () => {
    expect((await fetch(`${server.siteUrl}/nowhere`)).status).toBe(404);
    const big = await fetch(`${server.siteUrl}/ingest`, {
      method: "POST",
      body: new Uint8Array(20 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    await expect(engine.t.query(list, { channel: "ingest" })).resolves.toEqual([]);
  });
});

test("while a long transaction runs, requests are answered and HTTP actions queue in order", async () => {
  const control: BusyControl = { running: false, release: false };
  (globalThis as { localBusy?: BusyControl }).localBusy = control;
  const long = engine.t.mutation(busy, {});
  await until(() => control.running);

  // The client port still answers (the transaction yields the event loop between reads).
  const jwks = await fetch(`${server.url}/local/jwks`);
  expect(jwks.status).toBe(200);
  expect(control.running).toBe(true);

  // Deliveries arriving meanwhile are accepted and wait in line, in arrival order.
  const answers: Array<Promise<Response>> = [];
  for (let i = 0; i < 5; i++) {
    answers.push(fetch(`${server.siteUrl}/ingest`, { method: "POST", body: `d${i}` }));
    await until(() => server.pendingHttpActions() === i + 1);
  }
  expect(control.running).toBe(true);

  control.release = true;
  await expect(long).resolves.toBeGreaterThan(0);
  const statuses = await Promise.all(answers.map(async (a) => (await a).status));
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  await expect(engine.t.query(list, { channel: "ingest" })).resolves.toEqual([
    "d0",
    "d1",
    "d2",
    "d3",
    "d4",
  ]);
});
