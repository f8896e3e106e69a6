// @vitest-environment node
/**
 * The local runtime speaks the Convex sync protocol well enough for the unmodified
 * ConvexReactClient (subscriptions, mutations, actions, pagination, JWT auth) and serves
 * `/api/*` for ConvexHttpClient; internal functions and bad tokens are refused.
 */
import { ConvexHttpClient } from "convex/browser";
import { ConvexReactClient } from "convex/react";
import { makeFunctionReference } from "convex/server";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { DEMO_CLAIMS, loadIssuer, type Issuer } from "../scripts/local/auth";
import { createEngine, type Engine } from "../scripts/local/engine";
import { startServer, type LocalServer } from "../scripts/local/server";

const app = path.join(import.meta.dirname, "fixtures", "localApp");
const list = makeFunctionReference<"query", { channel: string }, string[]>("notes:list");
const add = makeFunctionReference<"mutation", { channel: string; text: string }, string>(
  "notes:add",
);
const addInternal = makeFunctionReference<"mutation", { channel: string; text: string }>(
  "notes:addInternal",
);
const shout = makeFunctionReference<"action", { text: string }, string>("notes:shout");
const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string } | null>(
  "notes:whoami",
);
const page = makeFunctionReference<"query">("notes:page");

let engine: Engine;
let issuer: Issuer;
let server: LocalServer;
const clients: ConvexReactClient[] = [];

function reactClient() {
  const client = new ConvexReactClient(server.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    verbose: false,
  });
  clients.push(client);
  return client;
}

/** Resolves with the first value of a subscription that satisfies `predicate`. */
function nextValue<T>(
  client: ConvexReactClient,
  watch: { onUpdate(cb: () => void): () => void; localQueryResult(): T | undefined },
  predicate: (value: T) => boolean,
): Promise<T> {
  void client;
  return new Promise((resolve) => {
    const check = () => {
      const value = watch.localQueryResult();
      if (value !== undefined && predicate(value)) {
        unsubscribe();
        resolve(value);
      }
    };
    const unsubscribe = watch.onUpdate(check);
    check();
  });
}

beforeAll(async () => {
  engine = await createEngine({ root: app, statePath: null });
  issuer = await loadIssuer(null);
  server = await startServer({ engine, issuer, port: 0, sitePort: 0 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  await engine.close();
});

describe("ConvexReactClient against the local runtime", () => {
  test("a subscribed query updates after a mutation", async () => {
    const client = reactClient();
    const watch = client.watchQuery(list, { channel: "live" });
    const keepSubscribed = watch.onUpdate(() => undefined);
    await nextValue(client, watch, (v) => v.length === 0);
    await client.mutation(add, { channel: "live", text: "hello" });
    keepSubscribed();
    // The mutation resolves only once its write is visible: the subscription already has it.
    expect(watch.localQueryResult()).toEqual(["hello"]);
  });

  test("a mutation made by another client reaches the subscriber", async () => {
    const subscriber = reactClient();
    const writer = reactClient();
    const watch = subscriber.watchQuery(list, { channel: "shared" });
    const keepSubscribed = watch.onUpdate(() => undefined);
    await nextValue(subscriber, watch, (v) => v.length === 0);
    await writer.mutation(add, { channel: "shared", text: "from writer" });
    await expect(nextValue(subscriber, watch, (v) => v.length === 1)).resolves.toEqual([
      "from writer",
    ]);
    keepSubscribed();
  });

  test("an action runs and returns its result", async () => {
    await expect(reactClient().action(shout, { text: "hi" })).resolves.toBe("HI");
  });

  test("an internal function is refused", async () => {
    await expect(
      reactClient().mutation(addInternal, { channel: "live", text: "sneaky" }),
    ).rejects.toThrow(/Could not find public function for 'notes:addInternal'/);
    const rows = await engine.t.query(list, { channel: "live" });
    expect(rows).not.toContain("sneaky");
  });

  test("a ConvexError reaches the client with its data", async () => {
    await expect(reactClient().mutation(add, { channel: "x", text: "" })).rejects.toMatchObject({
      data: { code: "INVALID_ARGUMENT" },
    });
  });

  test("a valid JWT gives queries the caller's identity", async () => {
    const client = reactClient();
    const token = await issuer.sign(DEMO_CLAIMS);
    client.setAuth(async () => token);
    const watch = client.watchQuery(whoami, {});
    const me = await nextValue(client, watch, (v) => v !== null);
    expect(me).toEqual({ subject: DEMO_CLAIMS.subject, org: DEMO_CLAIMS.org_id });
  });

  test("a bad JWT is rejected", async () => {
    const client = reactClient();
    const other = await loadIssuer(null); // same claims, a key the runtime does not trust
    const forged = await other.sign(DEMO_CLAIMS);
    const authenticated = await new Promise<boolean>((resolve) =>
      client.setAuth(async () => forged, resolve),
    );
    expect(authenticated).toBe(false);
    const watch = client.watchQuery(whoami, {});
    await expect(nextValue(client, watch, () => true)).resolves.toBeNull();
  });

  test("paginated queries load further pages", async () => {
    const writer = reactClient();
    for (let i = 0; i < 5; i++) await writer.mutation(add, { channel: "paged", text: `n${i}` });
    const first = (await writer.query(page, {
      channel: "paged",
      paginationOpts: { numItems: 2, cursor: null },
    })) as { page: { text: string }[]; isDone: boolean; continueCursor: string };
    expect(first.page.map((r) => r.text)).toEqual(["n0", "n1"]);
    const second = (await writer.query(page, {
      channel: "paged",
      paginationOpts: { numItems: 10, cursor: first.continueCursor },
    })) as { page: { text: string }[]; isDone: boolean };
    expect(second.page.map((r) => r.text)).toEqual(["n2", "n3", "n4"]);
    expect(second.isDone).toBe(true);
  });
});

describe("ConvexHttpClient against /api/*", () => {
  test("runs public queries, mutations and actions", async () => {
    const http = new ConvexHttpClient(server.url);
    await http.mutation(add, { channel: "http", text: "via http" });
    await expect(http.query(list, { channel: "http" })).resolves.toEqual(["via http"]);
    await expect(http.action(shout, { text: "ok" })).resolves.toBe("OK");
  });

  test("refuses internal functions", async () => {
    const http = new ConvexHttpClient(server.url);
    await expect(http.mutation(addInternal, { channel: "http", text: "x" })).rejects.toThrow(
      /Could not find public function/,
    );
  });

  test("passes a verified bearer token's identity and refuses a forged one", async () => {
    const http = new ConvexHttpClient(server.url);
    http.setAuth(await issuer.sign(DEMO_CLAIMS));
    await expect(http.query(whoami, {})).resolves.toEqual({
      subject: DEMO_CLAIMS.subject,
      org: DEMO_CLAIMS.org_id,
    });
    http.setAuth(await (await loadIssuer(null)).sign(DEMO_CLAIMS));
    await expect(http.query(whoami, {})).rejects.toThrow(/signature/i);
  });
});
