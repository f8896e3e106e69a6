/**
 * The client port's plain HTTP routes: `/api/query|mutation|action` for ConvexHttpClient (open
 * to any origin, as on Convex: the bearer token is the credential), and the local runtime's own
 * `/local/*` routes, which answer only the dashboard's origin (or callers that are not web
 * pages): `/local/token` signs the dashboard in, `/local/jwks` publishes the issuer's key, and
 * `/local/clock` moves the engine's clock ahead for tests.
 */
import { convexToJson, type JSONValue } from "convex/values";
import type { IncomingMessage, ServerResponse } from "node:http";
import { DEMO_CLAIMS, type Identity, type Issuer, type LocalClaims } from "./auth";
import { clockOffset } from "./clock";
import type { Engine, FunctionKind } from "./engine";
import { bearerIdentity, readBody, sendJson } from "./httpUtil";
import { failure, runPublic } from "./protocol";

const UDF_FAILED = 560;
const API_CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
};
/** A day and a half at most per call: enough to close the 24-hour window, hard to fat-finger. */
const MAX_ADVANCE_MS = 36 * 3600 * 1000;

export type ClientHttpOptions = {
  engine: Engine;
  issuer: Issuer;
  /** Browser origins `/local/*` answers (the dashboard's). */
  dashboardOrigins: Set<string>;
};

/**
 * CORS headers for a `/local/*` request, or null when a web page of another origin made it.
 * Requests without an Origin header come from the CLI, scripts and tests, not from a page.
 */
export function localCors(
  origin: string | undefined,
  allowed: Set<string>,
): Record<string, string> | null {
  if (origin === undefined) return {};
  if (!allowed.has(origin)) return null;
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    Vary: "Origin",
  };
}

function tokenClaims(url: URL): LocalClaims {
  return {
    subject: url.searchParams.get("user") ?? DEMO_CLAIMS.subject,
    org_id: url.searchParams.get("org") ?? DEMO_CLAIMS.org_id,
    org_name: url.searchParams.get("orgName") ?? DEMO_CLAIMS.org_name,
    org_role: url.searchParams.get("role") === "member" ? "org:member" : "org:admin",
    ...(url.searchParams.has("permissions")
      ? { org_permissions: url.searchParams.get("permissions")!.split(",").filter(Boolean) }
      : {}),
  };
}

/** POST {advanceMs}: moves the clock ahead; GET: where the clock stands. */
async function handleClock(req: IncomingMessage, res: ServerResponse, opts: ClientHttpOptions) {
  const cors = localCors(req.headers.origin, opts.dashboardOrigins)!;
  if (req.method === "POST") {
    // JSON only, so a browser must ask first (preflight) and another origin is refused.
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
      sendJson(res, 415, { code: "UnsupportedMediaType", message: "Send JSON" }, cors);
      return;
    }
    const body = JSON.parse((await readBody(req, 4096)).toString("utf8") || "{}") as {
      advanceMs?: unknown;
    };
    const ms = body.advanceMs;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_ADVANCE_MS) {
      const message = `advanceMs must be a number of milliseconds from 0 to ${MAX_ADVANCE_MS}`;
      sendJson(res, 400, { code: "InvalidArgument", message }, cors);
      return;
    }
    opts.engine.advanceClock(ms);
  } else if (req.method !== "GET") {
    sendJson(res, 405, { code: "MethodNotAllowed", message: "GET or POST" }, cors);
    return;
  }
  sendJson(res, 200, { now: Date.now(), offsetMs: clockOffset() }, cors);
}

async function handleLocal(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  opts: ClientHttpOptions,
) {
  const cors = localCors(req.headers.origin, opts.dashboardOrigins);
  if (cors === null) {
    const message = "The local runtime's /local routes answer only the dashboard's origin.";
    sendJson(res, 403, { code: "Forbidden", message });
    return;
  }
  if (req.method === "OPTIONS") {
    res.writeHead(204, cors);
    res.end();
    return;
  }
  if (url.pathname === "/local/token") {
    // The dashboard's local sign-in: a token for the demo admin (or the member asked for).
    sendJson(res, 200, { token: await opts.issuer.sign(tokenClaims(url)) }, cors);
  } else if (url.pathname === "/local/jwks") {
    sendJson(res, 200, { keys: [opts.issuer.publicJwk] }, cors);
  } else if (url.pathname === "/local/clock") {
    await handleClock(req, res, opts);
  } else {
    sendJson(res, 404, { code: "NotFound", message: `No route for ${url.pathname}` }, cors);
  }
}

async function handleFunctionCall(
  req: IncomingMessage,
  res: ServerResponse,
  kind: FunctionKind,
  opts: ClientHttpOptions,
) {
  let identity: Identity | null;
  try {
    identity = await bearerIdentity(req, opts.issuer);
  } catch (error) {
    const body = { code: "Unauthenticated", message: failure(error).errorMessage };
    sendJson(res, 401, body, API_CORS);
    return;
  }
  const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as {
    path?: string;
    args?: JSONValue[] | JSONValue;
  };
  const args = Array.isArray(body.args) ? (body.args[0] ?? {}) : (body.args ?? {});
  try {
    const value = await runPublic(opts.engine, kind, String(body.path), args, identity);
    if (kind !== "query") await opts.engine.flush();
    const result = { status: "success", value: convexToJson(value ?? null), logLines: [] };
    sendJson(res, 200, result, API_CORS);
  } catch (error) {
    sendJson(res, UDF_FAILED, { status: "error", ...failure(error), logLines: [] }, API_CORS);
  }
}

/** The request listener of the client port (the WebSocket upgrade is handled apart). */
export function clientHttpHandler(opts: ClientHttpOptions) {
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/local/")) return handleLocal(req, res, url, opts);
    if (req.method === "OPTIONS") {
      res.writeHead(204, API_CORS);
      res.end();
      return;
    }
    const m = /^\/api\/(query|mutation|action)$/.exec(url.pathname);
    if (!m || req.method !== "POST") {
      sendJson(res, 404, { code: "NotFound", message: `No route for ${url.pathname}` }, API_CORS);
      return;
    }
    await handleFunctionCall(req, res, m[1] as FunctionKind, opts);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { code: "Internal", message: failure(error).errorMessage }, API_CORS);
      } else res.end();
    });
  };
}
