/**
 * The local runtime's network face: the Convex sync protocol (WebSocket `/api/<v>/sync`) and
 * `/api/query|mutation|action` on the client port, so the unmodified ConvexReactClient and
 * ConvexHttpClient work; HTTP actions (`convex/http.ts`) on the site port with the bearer token
 * verified; and `/local/token` for the dashboard's local sign-in. Protocol: convex-notes §3.
 */
import { makeFunctionReference, type UserIdentity } from "convex/server";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { DEMO_CLAIMS, type Identity, type Issuer, type LocalClaims } from "./auth";
import type { Engine, FunctionKind } from "./engine";

export type ServerOptions = {
  engine: Engine;
  issuer: Issuer;
  host?: string;
  /** Client port (sync + /api); 0 picks a free one. */
  port?: number;
  /** HTTP actions port; 0 picks a free one. */
  sitePort?: number;
  /** Keep-alive interval for sync connections. */
  pingMs?: number;
};

export type LocalServer = { url: string; siteUrl: string; close(): Promise<void> };

type Version = { querySet: number; identity: number; ts: bigint };
type Subscription = { udfPath: string; args: JSONValue; last: string | undefined };
type Modification =
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal: null }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      errorData?: JSONValue;
      logLines: string[];
      journal: null;
    }
  | { type: "QueryRemoved"; queryId: number };

const UDF_FAILED = 560;

/** Protocol timestamps are u64 encoded as base64 of 8 little-endian bytes. */
export function encodeTs(ts: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(ts);
  return buf.toString("base64");
}

function wireVersion(v: Version) {
  return { querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) };
}

type Failure = { errorMessage: string; errorData?: JSONValue };

function failure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { data?: unknown } | null)?.data;
  if (data !== undefined) {
    return { errorMessage: message, errorData: convexToJson(data as Value) };
  }
  return { errorMessage: message };
}

export async function startServer(options: ServerOptions): Promise<LocalServer> {
  const { engine, issuer } = options;
  const host = options.host ?? "127.0.0.1";
  let globalTs = 1n;
  const connections = new Set<Connection>();
  /** Mutation results per (sessionId, requestId), so a reconnect's resend runs nothing twice. */
  const mutationResults = new Map<string, Map<number, Record<string, unknown>>>();

  const accessor = (identity: Identity | null) =>
    identity === null ? engine.t : engine.t.withIdentity(identity as Partial<UserIdentity>);

  /** Runs a public function of the given kind, refusing internal or unknown ones. */
  async function runPublic(
    kind: FunctionKind,
    udfPath: string,
    jsonArgs: JSONValue,
    identity: Identity | null,
  ): Promise<Value> {
    const info = await engine.functionInfo(udfPath);
    if (info === null || !info.isPublic || info.kind !== kind) {
      throw new Error(`Could not find public function for '${udfPath}'.`);
    }
    const args = jsonToConvex(jsonArgs ?? {}) as Record<string, Value>;
    const t = accessor(identity);
    if (kind === "query") {
      return (await t.query(makeFunctionReference<"query">(udfPath), args)) as Value;
    }
    if (kind === "mutation") {
      return (await t.mutation(makeFunctionReference<"mutation">(udfPath), args)) as Value;
    }
    return (await t.action(makeFunctionReference<"action">(udfPath), args)) as Value;
  }

  class Connection {
    version: Version = { querySet: 0, identity: 0, ts: 0n };
    identity: Identity | null = null;
    queries = new Map<number, Subscription>();
    sessionId = "";
    private queue: Promise<void> = Promise.resolve();
    private refreshQueued = false;
    closed = false;

    constructor(private socket: WebSocket) {}

    send(message: Record<string, unknown>) {
      if (!this.closed) this.socket.send(JSON.stringify(message));
    }

    /** Messages are handled strictly in order, so version chaining stays exact. */
    enqueue(task: () => Promise<void>) {
      this.queue = this.queue.then(task).catch((error: unknown) => {
        console.error("[local] sync connection error", error);
        this.send({ type: "FatalError", error: failure(error).errorMessage });
        this.socket.close();
      });
    }

    /** After a commit elsewhere: re-run the subscriptions once, however many commits queued it. */
    scheduleRefresh() {
      if (this.refreshQueued) return;
      this.refreshQueued = true;
      this.enqueue(async () => {
        this.refreshQueued = false;
        await this.transition({}, true);
      });
    }

    async runQuery(queryId: number, sub: Subscription): Promise<Modification | null> {
      let mod: Modification;
      try {
        const value = await runPublic("query", sub.udfPath, sub.args, this.identity);
        mod = {
          type: "QueryUpdated",
          queryId,
          value: convexToJson(value ?? null),
          logLines: [],
          journal: null,
        };
      } catch (error) {
        mod = { type: "QueryFailed", queryId, ...failure(error), logLines: [], journal: null };
      }
      const json = JSON.stringify(mod);
      if (json === sub.last) return null;
      sub.last = json;
      return mod;
    }

    /**
     * Sends one Transition from the current version: `extra` modifications first, then (when
     * `rerun`) every subscription whose result changed, ending at the latest commit ts.
     */
    async transition(
      next: { querySet?: number; identity?: number; mods?: Modification[] },
      rerun: boolean,
      force = false,
    ) {
      const mods: Modification[] = [...(next.mods ?? [])];
      const ts = globalTs;
      if (rerun) {
        for (const [queryId, sub] of this.queries) {
          const mod = await this.runQuery(queryId, sub);
          if (mod !== null) mods.push(mod);
        }
      }
      const end: Version = {
        querySet: next.querySet ?? this.version.querySet,
        identity: next.identity ?? this.version.identity,
        ts: ts > this.version.ts ? ts : this.version.ts,
      };
      const unchanged =
        end.querySet === this.version.querySet &&
        end.identity === this.version.identity &&
        end.ts === this.version.ts;
      if (mods.length === 0 && unchanged && !force) return;
      this.send({
        type: "Transition",
        startVersion: wireVersion(this.version),
        endVersion: wireVersion(end),
        modifications: mods,
      });
      this.version = end;
    }

    handle(message: Record<string, unknown>) {
      switch (message.type) {
        case "Connect":
          this.sessionId = String(message.sessionId ?? "");
          return;
        case "ModifyQuerySet":
          return this.enqueue(() => this.modifyQuerySet(message));
        case "Authenticate":
          return this.enqueue(() => this.authenticate(message));
        case "Mutation":
          return this.enqueue(() => this.mutation(message));
        case "Action":
          // Actions run concurrently, as on Convex; only their response is ordered.
          void this.action(message);
          return;
        default:
          return; // Event and anything newer: telemetry, nothing to do.
      }
    }

    async modifyQuerySet(message: Record<string, unknown>) {
      const baseVersion = message.baseVersion as number;
      if (baseVersion !== this.version.querySet) {
        throw new Error(`Query set version ${baseVersion} does not match ${this.version.querySet}`);
      }
      const mods: Modification[] = [];
      for (const mod of message.modifications as Array<Record<string, unknown>>) {
        const queryId = mod.queryId as number;
        if (mod.type === "Add") {
          const args = (mod.args as JSONValue[] | undefined)?.[0] ?? {};
          const sub: Subscription = { udfPath: String(mod.udfPath), args, last: undefined };
          this.queries.set(queryId, sub);
          const result = await this.runQuery(queryId, sub);
          if (result !== null) mods.push(result);
        } else if (mod.type === "Remove") {
          this.queries.delete(queryId);
          mods.push({ type: "QueryRemoved", queryId });
        }
      }
      await this.transition({ querySet: message.newVersion as number, mods }, false, true);
    }

    async authenticate(message: Record<string, unknown>) {
      const baseVersion = message.baseVersion as number;
      if (message.tokenType === "None") {
        this.identity = null;
      } else {
        try {
          this.identity = await issuer.verify(String(message.value));
        } catch (error) {
          this.send({
            type: "AuthError",
            error: `Could not verify token: ${failure(error).errorMessage}`,
            baseVersion,
            authUpdateAttempted: true,
          });
          return;
        }
      }
      for (const sub of this.queries.values()) sub.last = undefined;
      await this.transition({ identity: baseVersion + 1 }, true, true);
    }

    async mutation(message: Record<string, unknown>) {
      const requestId = message.requestId as number;
      let results = mutationResults.get(this.sessionId);
      if (results === undefined) {
        results = new Map();
        mutationResults.set(this.sessionId, results);
      }
      let response = results.get(requestId);
      if (response === undefined) {
        try {
          const value = await runPublic(
            "mutation",
            String(message.udfPath),
            (message.args as JSONValue[])[0] ?? {},
            this.identity,
          );
          response = {
            type: "MutationResponse",
            requestId,
            success: true,
            result: convexToJson(value ?? null),
            ts: encodeTs(globalTs),
            logLines: [],
          };
        } catch (error) {
          const { errorMessage, errorData } = failure(error);
          response = {
            type: "MutationResponse",
            requestId,
            success: false,
            result: errorMessage,
            logLines: [],
          };
          if (errorData !== undefined) response.errorData = errorData;
        }
        results.set(requestId, response);
        if (results.size > 1000) results.delete(results.keys().next().value!);
      }
      this.send(response);
      // The client resolves the mutation once a Transition reaches its ts.
      await this.transition({}, true, response.success === true);
    }

    async action(message: Record<string, unknown>) {
      const requestId = message.requestId as number;
      let response: Record<string, unknown>;
      try {
        const value = await runPublic(
          "action",
          String(message.udfPath),
          (message.args as JSONValue[])[0] ?? {},
          this.identity,
        );
        response = {
          type: "ActionResponse",
          requestId,
          success: true,
          result: convexToJson(value ?? null),
          logLines: [],
        };
      } catch (error) {
        const { errorMessage, errorData } = failure(error);
        response = {
          type: "ActionResponse",
          requestId,
          success: false,
          result: errorMessage,
          logLines: [],
        };
        if (errorData !== undefined) response.errorData = errorData;
      }
      this.send(response);
    }
  }

  const unsubscribe = engine.onCommit(() => {
    globalTs += 1n;
    for (const conn of connections) conn.scheduleRefresh();
  });

  // ---- client port: /api/query|mutation|action, /local/token, WebSocket sync ----
  const cors = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json", ...cors });
    res.end(JSON.stringify(body));
  };

  async function bearerIdentity(req: IncomingMessage): Promise<Identity | null> {
    const header = req.headers.authorization;
    if (!header) return null;
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) throw new Error("Unsupported Authorization header (expected `Bearer <jwt>`).");
    return issuer.verify(m[1]!);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (url.pathname === "/local/token") {
      // The dashboard's local sign-in: a token for the demo admin (or the member asked for).
      const claims: LocalClaims = {
        subject: url.searchParams.get("user") ?? DEMO_CLAIMS.subject,
        org_id: url.searchParams.get("org") ?? DEMO_CLAIMS.org_id,
        org_name: url.searchParams.get("orgName") ?? DEMO_CLAIMS.org_name,
        org_role: url.searchParams.get("role") === "member" ? "org:member" : "org:admin",
      };
      sendJson(res, 200, { token: await issuer.sign(claims) });
      return;
    }
    if (url.pathname === "/local/jwks") {
      sendJson(res, 200, { keys: [issuer.publicJwk] });
      return;
    }
    const m = /^\/api\/(query|mutation|action)$/.exec(url.pathname);
    if (!m || req.method !== "POST") {
      sendJson(res, 404, { code: "NotFound", message: `No route for ${url.pathname}` });
      return;
    }
    let identity: Identity | null;
    try {
      identity = await bearerIdentity(req);
    } catch (error) {
      sendJson(res, 401, { code: "Unauthenticated", message: failure(error).errorMessage });
      return;
    }
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as {
      path?: string;
      args?: JSONValue[] | JSONValue;
    };
    const args = Array.isArray(body.args) ? (body.args[0] ?? {}) : (body.args ?? {});
    try {
      const value = await runPublic(m[1] as FunctionKind, String(body.path), args, identity);
      sendJson(res, 200, { status: "success", value: convexToJson(value ?? null), logLines: [] });
    } catch (error) {
      sendJson(res, UDF_FAILED, { status: "error", ...failure(error), logLines: [] });
    }
  }

  const clientServer = createServer((req, res) => {
    handleApi(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { code: "Internal", message: failure(error).errorMessage });
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  clientServer.on("upgrade", (req, socket, head) => {
    if (!/^\/api\/[^/]+\/sync$/.test(new URL(req.url ?? "/", "http://localhost").pathname)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws);
      connections.add(conn);
      ws.on("message", (data) => {
        try {
          conn.handle(JSON.parse(String(data)) as Record<string, unknown>);
        } catch (error) {
          console.error("[local] bad sync message", error);
        }
      });
      ws.on("close", () => {
        conn.closed = true;
        connections.delete(conn);
      });
    });
  });
  const ping = setInterval(() => {
    for (const conn of connections) conn.send({ type: "Ping" });
  }, options.pingMs ?? 15_000);

  // ---- site port: HTTP actions through t.fetch, with the bearer token verified ----
  const siteServer = createServer((req, res) => {
    (async () => {
      let identity: Identity | null;
      try {
        identity = await bearerIdentity(req);
      } catch (error) {
        res.writeHead(401, { "Content-Type": "text/plain" });
        res.end(failure(error).errorMessage);
        return;
      }
      const body = await readBody(req);
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value === undefined || key === "host" || key === "connection") continue;
        headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const method = req.method ?? "GET";
      const response = await accessor(identity).fetch(req.url ?? "/", {
        method,
        headers,
        body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body),
      });
      const outHeaders: Record<string, string> = {};
      response.headers.forEach((value, key) => (outHeaders[key] = value));
      res.writeHead(response.status, outHeaders);
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      console.error("[local] HTTP action failed", error);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(failure(error).errorMessage);
    });
  });

  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(clientServer, options.port ?? 3210);
  const sitePort = await listen(siteServer, options.sitePort ?? 3211);

  return {
    url: `http://${host}:${port}`,
    siteUrl: `http://${host}:${sitePort}`,
    close: async () => {
      unsubscribe();
      clearInterval(ping);
      for (const client of wss.clients) client.terminate();
      wss.close();
      await Promise.all(
        [clientServer, siteServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
