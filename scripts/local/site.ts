/**
 * The HTTP actions port (`convex/http.ts`, e.g. the WhatsApp webhooks): each request is read in
 * full, queued in arrival order and run through the engine (`t.fetch`, with a verified bearer
 * token as the identity) a few at a time, so a burst of deliveries waits in line while the
 * engine is busy instead of piling up. The answer goes out once the request's commits are on
 * disk; the next request does not wait for that.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Issuer } from "./auth";
import type { Engine } from "./engine";
import { bearerIdentity, BodyTooLarge, readBody } from "./httpUtil";
import { accessor, failure } from "./protocol";

type Job = { req: IncomingMessage; res: ServerResponse; body: Buffer };

export type SiteOptions = {
  engine: Engine;
  issuer: Issuer;
  /** HTTP actions run at once (default 1: strictly in arrival order). */
  concurrency?: number;
  /** Called whenever the queue becomes empty (the background gate lets held jobs start). */
  onDrained?: () => void;
};

export class HttpActionQueue {
  private queue: Job[] = [];
  private running = 0;
  private readonly concurrency: number;
  /** Requests waiting plus running (for the runtime's own figures). */
  get depth(): number {
    return this.queue.length + this.running;
  }

  constructor(private readonly options: SiteOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** The request listener of the site server. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    readBody(req).then(
      (body) => {
        this.queue.push({ req, res, body });
        this.pump();
      },
      (error: unknown) => {
        const tooLarge = error instanceof BodyTooLarge;
        res.writeHead(tooLarge ? 413 : 400, { "Content-Type": "text/plain" });
        res.end(failure(error).errorMessage);
      },
    );
  };

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running += 1;
      void this.run(job).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.depth === 0) this.options.onDrained?.();
      });
    }
  }

  /** Runs one HTTP action; the answer is written once its commits are durable. */
  private async run(job: Job): Promise<void> {
    let response: Response;
    try {
      response = await this.dispatch(job);
    } catch (error) {
      console.error("[local] HTTP action failed", error);
      response = new Response(failure(error).errorMessage, { status: 500 });
    }
    void this.answer(job.res, response);
  }

  private async dispatch({ req, body }: Job): Promise<Response> {
    let identity;
    try {
      identity = await bearerIdentity(req, this.options.issuer);
    } catch (error) {
      return new Response(failure(error).errorMessage, { status: 401 });
    }
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || key === "host" || key === "connection") continue;
      headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const method = req.method ?? "GET";
    return await accessor(this.options.engine, identity).fetch(req.url ?? "/", {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body),
    });
  }

  private async answer(res: ServerResponse, response: Response): Promise<void> {
    try {
      const bytes = Buffer.from(await response.arrayBuffer());
      await this.options.engine.flush();
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      res.writeHead(response.status, headers);
      res.end(bytes);
    } catch (error) {
      // Not durable (or not readable): never acknowledge it.
      console.error("[local] HTTP action answer failed", error);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(failure(error).errorMessage);
    }
  }
}
