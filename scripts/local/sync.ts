/**
 * The Convex sync protocol over one WebSocket (`/api/<version>/sync`): the query set with its
 * chained versions, authentication, mutations (deduplicated per session and request id, answered
 * once durable) and actions, and a Transition after every commit with the subscriptions whose
 * result changed. The hub holds what connections share: the commit clock and mutation results.
 */
import { convexToJson, type JSONValue } from "convex/values";
import type { WebSocket } from "ws";
import type { Identity, Issuer } from "./auth";
import type { Engine } from "./engine";
import {
  callOutcome,
  encodeTs,
  failure,
  runPublic,
  wireVersion,
  type Modification,
  type Version,
} from "./protocol";

type Subscription = { udfPath: string; args: JSONValue; last: string | undefined };
type Message = Record<string, unknown>;

const REMEMBERED_MUTATIONS = 1000;

/** State shared by every sync connection of one runtime. */
export class SyncHub {
  /** Bumped on every commit; Transitions carry it so clients see their writes. */
  ts = 1n;
  readonly connections = new Set<SyncConnection>();
  /** Mutation responses per (sessionId, requestId): a reconnect's resend runs nothing twice. */
  private results = new Map<string, Map<number, Message>>();

  constructor(
    readonly engine: Engine,
    readonly issuer: Issuer,
  ) {}

  committed(): void {
    this.ts += 1n;
    for (const conn of this.connections) conn.scheduleRefresh();
  }

  rememberedResult(sessionId: string, requestId: number): Message | undefined {
    return this.results.get(sessionId)?.get(requestId);
  }

  remember(sessionId: string, requestId: number, response: Message): void {
    let results = this.results.get(sessionId);
    if (results === undefined) {
      results = new Map();
      this.results.set(sessionId, results);
    }
    results.set(requestId, response);
    if (results.size > REMEMBERED_MUTATIONS) results.delete(results.keys().next().value!);
  }

  attach(socket: WebSocket): SyncConnection {
    const conn = new SyncConnection(this, socket);
    this.connections.add(conn);
    socket.on("message", (data) => {
      try {
        conn.handle(JSON.parse(String(data)) as Message);
      } catch (error) {
        console.error("[local] bad sync message", error);
      }
    });
    socket.on("close", () => {
      conn.closed = true;
      this.connections.delete(conn);
    });
    return conn;
  }

  ping(): void {
    for (const conn of this.connections) conn.send({ type: "Ping" });
  }
}

export class SyncConnection {
  version: Version = { querySet: 0, identity: 0, ts: 0n };
  identity: Identity | null = null;
  queries = new Map<number, Subscription>();
  sessionId = "";
  closed = false;
  private queue: Promise<void> = Promise.resolve();
  private refreshQueued = false;

  constructor(
    private readonly hub: SyncHub,
    private readonly socket: WebSocket,
  ) {}

  send(message: Message): void {
    if (!this.closed) this.socket.send(JSON.stringify(message));
  }

  /** Messages are handled strictly in order, so version chaining stays exact. */
  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      console.error("[local] sync connection error", error);
      this.send({ type: "FatalError", error: failure(error).errorMessage });
      this.socket.close();
    });
  }

  /** After a commit elsewhere: re-run the subscriptions once, however many commits queued it. */
  scheduleRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.enqueue(async () => {
      this.refreshQueued = false;
      await this.transition({}, true);
    });
  }

  handle(message: Message): void {
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

  private async runQuery(queryId: number, sub: Subscription): Promise<Modification | null> {
    let mod: Modification;
    try {
      const value = await runPublic(this.hub.engine, "query", sub.udfPath, sub.args, this.identity);
      const json = convexToJson(value ?? null);
      mod = { type: "QueryUpdated", queryId, value: json, logLines: [], journal: null };
    } catch (error) {
      mod = { type: "QueryFailed", queryId, ...failure(error), logLines: [], journal: null };
    }
    const json = JSON.stringify(mod);
    if (json === sub.last) return null;
    sub.last = json;
    return mod;
  }

  /**
   * Sends one Transition from the current version: `next.mods` first, then (when `rerun`)
   * every subscription whose result changed, ending at the latest commit ts.
   */
  private async transition(
    next: { querySet?: number; identity?: number; mods?: Modification[] },
    rerun: boolean,
    force = false,
  ): Promise<void> {
    const mods: Modification[] = [...(next.mods ?? [])];
    const ts = this.hub.ts;
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

  private async modifyQuerySet(message: Message): Promise<void> {
    const baseVersion = message.baseVersion as number;
    if (baseVersion !== this.version.querySet) {
      throw new Error(`Query set version ${baseVersion} does not match ${this.version.querySet}`);
    }
    const mods: Modification[] = [];
    for (const mod of message.modifications as Message[]) {
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

  private async authenticate(message: Message): Promise<void> {
    const baseVersion = message.baseVersion as number;
    if (message.tokenType === "None") {
      this.identity = null;
    } else {
      try {
        this.identity = await this.hub.issuer.verify(String(message.value));
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

  private async mutation(message: Message): Promise<void> {
    const requestId = message.requestId as number;
    let response = this.hub.rememberedResult(this.sessionId, requestId);
    if (response === undefined) {
      const udfPath = String(message.udfPath);
      const args = (message.args as JSONValue[])[0] ?? {};
      const outcome = await callOutcome(() =>
        runPublic(this.hub.engine, "mutation", udfPath, args, this.identity),
      );
      response = { type: "MutationResponse", requestId, ...outcome, logLines: [] };
      if (outcome.success) response.ts = encodeTs(this.hub.ts);
      // Acknowledged only once its commit is on disk.
      await this.hub.engine.flush();
      this.hub.remember(this.sessionId, requestId, response);
    }
    this.send(response);
    // The client resolves the mutation once a Transition reaches its ts.
    await this.transition({}, true, response.success === true);
  }

  private async action(message: Message): Promise<void> {
    const udfPath = String(message.udfPath);
    const args = (message.args as JSONValue[])[0] ?? {};
    const outcome = await callOutcome(() =>
      runPublic(this.hub.engine, "action", udfPath, args, this.identity),
    );
    await this.hub.engine.flush();
    this.send({ type: "ActionResponse", requestId: message.requestId, ...outcome, logLines: [] });
  }
}
