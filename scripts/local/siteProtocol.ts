/**
 * The messages between the local runtime's engine (main thread) and the HTTP actions worker
 * (siteWorker.ts). The worker runs `convex/http.ts` in its own thread, as Convex runs HTTP
 * actions in their own isolates; the database stays with the engine, reached through these calls.
 * Values cross as structured clones (Convex values are all cloneable: bigint, bytes, objects).
 */
import type { JSONValue } from "convex/values";
import type { Identity } from "./auth";

export type SiteWorkerData = {
  /** The module whose default export is the app's `httpRouter()`. */
  httpModule: string;
  host: string;
  port: number;
  /** HTTP actions running at once; later requests wait in arrival order. */
  concurrency: number;
  /** The engine's clock offset at start (see clock.ts). */
  clockOffsetMs: number;
};

export type CallKind = "query" | "mutation" | "action";

/** Worker → engine. */
export type WorkerMessage =
  | { type: "ready"; port: number }
  | { type: "failed"; message: string }
  | {
      type: "call";
      id: number;
      kind: CallKind;
      name: string;
      args: unknown;
      /** The request's identity, verified once when it arrived (null without a token). */
      identity: Identity | null;
    }
  /** Verifies a request's `Authorization` header; answers its identity. */
  | { type: "identity"; id: number; authorization: string }
  /** Resolves once every commit made so far is on disk (the answer goes out after this). */
  | { type: "flush"; id: number }
  /** Requests waiting plus running, sent whenever it changes. */
  | { type: "depth"; depth: number };

export type CallFailure = { message: string; data?: JSONValue };

/** Engine → worker. */
export type EngineMessage =
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: CallFailure }
  | { type: "clock"; offsetMs: number }
  | { type: "close" };
