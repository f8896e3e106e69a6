/**
 * Pieces of the Convex client protocol shared by the sync WebSocket and `/api/*`: wire
 * timestamps, query-set versions, error mapping (a ConvexError keeps its data), and calling a
 * public function of the engine under a caller's identity (internal functions are refused).
 */
import { makeFunctionReference, type UserIdentity } from "convex/server";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Identity } from "./auth";
import type { Engine, FunctionKind } from "./engine";

export type Version = { querySet: number; identity: number; ts: bigint };

export type Modification =
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

/** Protocol timestamps are u64 encoded as base64 of 8 little-endian bytes. */
export function encodeTs(ts: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(ts);
  return buf.toString("base64");
}

export function wireVersion(v: Version) {
  return { querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) };
}

export type Failure = { errorMessage: string; errorData?: JSONValue };

export function failure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { data?: unknown } | null)?.data;
  if (data !== undefined) {
    return { errorMessage: message, errorData: convexToJson(data as Value) };
  }
  return { errorMessage: message };
}

/** The engine handle for a caller: anonymous, or with the verified token's identity. */
export function accessor(engine: Engine, identity: Identity | null) {
  return identity === null ? engine.t : engine.t.withIdentity(identity as Partial<UserIdentity>);
}

/** Runs a public function of the given kind, refusing internal or unknown ones. */
export async function runPublic(
  engine: Engine,
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
  const t = accessor(engine, identity);
  if (kind === "query") {
    return (await t.query(makeFunctionReference<"query">(udfPath), args)) as Value;
  }
  if (kind === "mutation") {
    return (await t.mutation(makeFunctionReference<"mutation">(udfPath), args)) as Value;
  }
  return (await t.action(makeFunctionReference<"action">(udfPath), args)) as Value;
}

/** A function call's outcome in the shape MutationResponse/ActionResponse carry. */
export async function callOutcome(
  call: () => Promise<Value>,
): Promise<
  { success: true; result: JSONValue } | { success: false; result: string; errorData?: JSONValue }
> {
  try {
    return { success: true, result: convexToJson((await call()) ?? null) };
  } catch (error) {
    const { errorMessage, errorData } = failure(error);
    return errorData === undefined
      ? { success: false, result: errorMessage }
      : { success: false, result: errorMessage, errorData };
  }
}
