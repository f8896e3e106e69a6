/**
 * The HTTP actions port (`convex/http.ts`, e.g. the WhatsApp webhooks), engine side: the port
 * itself and the actions run in a worker thread (siteWorker.ts), so reading requests, checking
 * signatures and parsing bodies never hold the engine's thread. This side answers the worker's
 * calls (queries, mutations, actions under the request's verified identity) and its flushes,
 * and knows how many requests wait, so scheduled work can give way to deliveries.
 */
import { makeFunctionReference } from "convex/server";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import type { Issuer } from "./auth";
import { clockOffset } from "./clock";
import type { Engine } from "./engine";
import { headerIdentity } from "./httpUtil";
import { accessor, failure } from "./protocol";
import type { EngineMessage, SiteWorkerData, WorkerMessage } from "./siteProtocol";
import { firstMessage, stopWorker, tsWorker } from "./threads";

export type SiteOptions = {
  engine: Engine;
  issuer: Issuer;
  host: string;
  port: number;
  /** HTTP actions run at once; later requests wait in arrival order (default 16). */
  concurrency?: number;
  /** Called whenever no request is waiting or running (scheduled work may go ahead). */
  onDrained?: () => void;
};

function httpModule(convexDir: string): string | null {
  const found = ["http.ts", "http.js"].map((f) => path.join(convexDir, f)).find(existsSync);
  return found ?? null;
}

export class HttpActionsSite {
  private depthNow = 0;
  private lastActive = -Infinity;
  private closing = false;

  private constructor(
    private readonly options: SiteOptions,
    private worker: Worker,
    readonly port: number,
  ) {}

  /** Starts the worker and resolves once its port listens. */
  static async start(options: SiteOptions): Promise<HttpActionsSite> {
    const { worker, port } = await HttpActionsSite.spawn(options, options.port);
    const site = new HttpActionsSite(options, worker, port);
    site.attach();
    return site;
  }

  private static async spawn(options: SiteOptions, port: number) {
    const module = httpModule(options.engine.convexDir);
    const workerData: SiteWorkerData = {
      httpModule: module ?? "",
      host: options.host,
      port,
      concurrency: Math.max(1, options.concurrency ?? 16),
      clockOffsetMs: clockOffset(),
    };
    const worker = tsWorker(path.join(import.meta.dirname, "siteWorker.ts"), workerData);
    const ready = await firstMessage(worker, (message: WorkerMessage) => {
      if (message.type === "failed") throw new Error(`HTTP actions: ${message.message}`);
      return message.type === "ready" ? message.port : undefined;
    });
    return { worker, port: ready };
  }

  /** Requests waiting plus running (for the runtime's own figures and the background gate). */
  get depth(): number {
    return this.depthNow;
  }

  /** Milliseconds since a request last waited or ran (0 while one does). */
  idleFor(): number {
    return this.depthNow > 0 ? 0 : performance.now() - this.lastActive;
  }

  /** Tells the worker the engine's clock moved (its `Date.now()` follows). */
  clockMoved(): void {
    this.send({ type: "clock", offsetMs: clockOffset() });
  }

  async close(): Promise<void> {
    this.closing = true;
    await stopWorker(this.worker, { type: "close" } satisfies EngineMessage);
  }

  private send(message: EngineMessage): void {
    this.worker.postMessage(message);
  }

  private attach(): void {
    this.worker.on("message", (message: WorkerMessage) => this.receive(message));
    this.worker.on("error", (error) => console.error("[local] HTTP actions worker failed", error));
    this.worker.once("exit", () => {
      if (this.closing) return;
      // The worker died (its unanswered requests were never acknowledged): start a new one.
      this.depthNow = 0;
      this.options.onDrained?.();
      HttpActionsSite.spawn(this.options, this.port).then(
        ({ worker }) => {
          this.worker = worker;
          this.attach();
        },
        (error: unknown) => console.error("[local] HTTP actions worker restart failed", error),
      );
    });
  }

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case "depth":
        this.depthNow = message.depth;
        this.lastActive = performance.now();
        if (message.depth === 0) this.options.onDrained?.();
        return;
      case "call":
      case "identity":
      case "flush":
        this.answer(message.id, this.perform(message));
        return;
      default:
        return;
    }
  }

  private async perform(
    message: Extract<WorkerMessage, { type: "call" | "identity" | "flush" }>,
  ): Promise<unknown> {
    const { engine, issuer } = this.options;
    if (message.type === "flush") return await engine.flush();
    if (message.type === "identity") return await headerIdentity(message.authorization, issuer);
    const t = accessor(engine, message.identity);
    const args = message.args as Record<string, unknown>;
    switch (message.kind) {
      case "query":
        return await t.query(makeFunctionReference<"query">(message.name), args);
      case "mutation":
        return await t.mutation(makeFunctionReference<"mutation">(message.name), args);
      case "action":
        return await t.action(makeFunctionReference<"action">(message.name), args);
    }
  }

  private answer(id: number, result: Promise<unknown>): void {
    result.then(
      (value) => this.send({ type: "result", id, ok: true, value }),
      (error: unknown) => {
        const { errorMessage, errorData } = failure(error);
        this.send({
          type: "result",
          id,
          ok: false,
          error: { message: errorMessage, ...(errorData !== undefined ? { data: errorData } : {}) },
        });
      },
    );
  }
}
