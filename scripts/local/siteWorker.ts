/**
 * The HTTP actions port of the local runtime, in its own thread (as Convex runs HTTP actions in
 * their own isolates): reads each request, routes it through the app's `httpRouter()` and runs
 * the action, up to `concurrency` at once, later requests waiting in arrival order. Its
 * `ctx.runQuery/runMutation/runAction` go to the engine on the main thread (siteProtocol.ts);
 * the answer is written only once the engine says the request's commits are on disk.
 */
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError, jsonToConvex, type Value } from "convex/values";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { Identity } from "./auth";
import { advanceClock, clockOffset } from "./clock";
import { BodyTooLarge, readBody } from "./httpUtil";
import { failure } from "./protocol";
import type {
  CallFailure,
  CallKind,
  EngineMessage,
  SiteWorkerData,
  WorkerMessage,
} from "./siteProtocol";

type Job = { req: IncomingMessage; res: ServerResponse; body: Buffer };
type Route = (ctx: unknown, request: Request) => Promise<Response>;
type Router = { lookup(path: string, method: string): readonly [unknown, ...unknown[]] | null };
type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

const data = workerData as SiteWorkerData;
const engine = parentPort!;
const pending = new Map<number, Pending>();
let nextId = 1;

function post(message: WorkerMessage): void {
  engine.postMessage(message);
}

function rebuild(error: CallFailure): Error {
  return error.data === undefined
    ? new Error(error.message)
    : new ConvexError(jsonToConvex(error.data) as Value);
}

/** Sends one request to the engine and resolves with its answer. */
function ask(message: DistributiveOmit<WorkerMessage, "id">): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post({ ...message, id } as WorkerMessage);
  });
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function syncClock(offsetMs: number): void {
  const ahead = offsetMs - clockOffset();
  if (ahead > 0) advanceClock(ahead);
}

engine.on("message", (message: EngineMessage) => {
  if (message.type === "result") {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(rebuild(message.error));
  } else if (message.type === "clock") {
    syncClock(message.offsetMs);
  } else if (server === undefined) {
    engine.close();
  } else {
    server.closeAllConnections();
    server.close(() => engine.close());
  }
});

/** What an HTTP action's context can reach from this thread. */
function actionCtx(identity: Identity | null) {
  const call =
    (kind: CallKind) => (ref: FunctionReference<CallKind>, args?: Record<string, unknown>) =>
      ask({ type: "call", kind, name: getFunctionName(ref), args: args ?? {}, identity });
  const refuse = (name: string) => () => {
    throw new Error(
      `ctx.${name} is not available to HTTP actions in the local runtime; ` +
        "call a mutation or action that uses it.",
    );
  };
  const unavailable = (name: string) =>
    new Proxy({}, { get: (_, key) => refuse(`${name}.${String(key)}`) });
  return {
    runQuery: call("query"),
    runMutation: call("mutation"),
    runAction: call("action"),
    auth: { getUserIdentity: () => Promise.resolve(identity) },
    scheduler: unavailable("scheduler"),
    storage: unavailable("storage"),
    vectorSearch: refuse("vectorSearch"),
  };
}

function handlerOf(registered: unknown): Route {
  const fn = registered as { _handler?: Route };
  return fn._handler ?? (registered as Route);
}

class Site {
  private waiting: Job[] = [];
  private head = 0;
  private running = 0;
  private reported = 0;
  /** The port's own origin, the base of each request's URL (set once it listens). */
  base = `http://${data.host}`;

  constructor(private readonly router: Router) {}

  private get depth(): number {
    return this.waiting.length - this.head + this.running;
  }

  private report(): void {
    if (this.depth === this.reported) return;
    this.reported = this.depth;
    post({ type: "depth", depth: this.depth });
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    readBody(req).then(
      (body) => {
        this.waiting.push({ req, res, body });
        this.pump();
      },
      (error: unknown) => {
        res.writeHead(error instanceof BodyTooLarge ? 413 : 400, { "Content-Type": "text/plain" });
        res.end(failure(error).errorMessage);
      },
    );
  };

  private pump(): void {
    while (this.running < data.concurrency && this.head < this.waiting.length) {
      const job = this.waiting[this.head]!;
      this.waiting[this.head] = undefined as unknown as Job;
      this.head += 1;
      this.running += 1;
      void this.run(job).finally(() => {
        this.running -= 1;
        this.pump();
        this.report();
      });
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.report();
  }

  /** Runs one HTTP action; the answer is written once its commits are durable. */
  private async run(job: Job): Promise<void> {
    let status: number;
    let headers: Record<string, string> = {};
    let bytes: Buffer;
    try {
      const response = await this.dispatch(job);
      bytes = Buffer.from(await response.arrayBuffer());
      status = response.status;
      response.headers.forEach((value, key) => (headers[key] = value));
      await ask({ type: "flush" });
    } catch (error) {
      // A failed action, or commits not durable: never acknowledge it.
      console.error("[local] HTTP action failed", error);
      status = 500;
      headers = { "Content-Type": "text/plain" };
      bytes = Buffer.from(failure(error).errorMessage);
    }
    if (job.res.destroyed) return;
    job.res.writeHead(status, headers);
    job.res.end(bytes);
  }

  private async dispatch({ req, body }: Job): Promise<Response> {
    const authorization = req.headers.authorization;
    let identity: Identity | null = null;
    if (authorization !== undefined) {
      try {
        identity = (await ask({ type: "identity", authorization })) as Identity | null;
      } catch (error) {
        return new Response(failure(error).errorMessage, { status: 401 });
      }
    }
    const url = new URL(req.url ?? "/", this.base);
    const method = req.method ?? "GET";
    const found = this.router.lookup(url.pathname, method);
    if (found === null) {
      return new Response(`No HttpAction routed for ${url.pathname}`, { status: 404 });
    }
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || key === "host" || key === "connection") continue;
      headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const request = new Request(url, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body),
    });
    return await handlerOf(found[0])(actionCtx(identity), request);
  }
}

let server: ReturnType<typeof createServer> | undefined;

async function start(): Promise<void> {
  syncClock(data.clockOffsetMs);
  const router: Router =
    data.httpModule === ""
      ? { lookup: () => null }
      : ((await import(pathToFileURL(data.httpModule).href)) as { default: Router }).default;
  const site = new Site(router);
  const listening = createServer(site.handle);
  server = listening;
  await new Promise<void>((resolve, reject) => {
    listening.once("error", reject);
    listening.listen(data.port, data.host, () => resolve());
  });
  const address = listening.address();
  const port = typeof address === "object" && address ? address.port : data.port;
  site.base = `http://${data.host}:${port}`;
  post({ type: "ready", port });
}

start().catch((error: unknown) => post({ type: "failed", message: failure(error).errorMessage }));
