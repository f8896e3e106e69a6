/**
 * The local runtime's network face. Client port: the Convex sync protocol (WebSocket
 * `/api/<v>/sync`, sync.ts) and `/api/*` + `/local/*` (clientHttp.ts), so the unmodified
 * ConvexReactClient and ConvexHttpClient work. Site port: HTTP actions (`convex/http.ts`),
 * run in a worker thread and started in arrival order (site.ts). The sync protocol is the one
 * convex/browser speaks (messages in sync.ts and protocol.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { Issuer } from "./auth";
import { clientHttpHandler } from "./clientHttp";
import type { Engine } from "./engine";
import { BackgroundGate } from "./backgroundGate";
import { LoadMeter } from "./loadMeter";
import { HttpActionsSite } from "./site";
import { SyncHub } from "./sync";

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
  /** Browser origins allowed on `/local/*` (default: the dashboard on :5173). */
  dashboardOrigins?: Iterable<string>;
  /** HTTP actions run at once (default 16; they start in arrival order). */
  siteConcurrency?: number;
};

export type LocalServer = {
  url: string;
  siteUrl: string;
  /** HTTP actions received and not yet run to the end (queued plus running). */
  pendingHttpActions(): number;
  /** Lets a browser origin use `/local/*` (the dashboard once Vite has its port). */
  allowDashboardOrigin(origin: string): void;
  close(): Promise<void>;
};

/** How long the HTTP actions port stays quiet before background work runs at full width. */
const QUIET_MS = 500;
/** While requests arrive, background work starts only below this share of a busy thread. */
const SPARE_BELOW = 0.5;

/** The dashboard origins `/local/*` answers by default (`SWITCHBOARD_DASHBOARD_URL` adds one). */
export function defaultDashboardOrigins(): string[] {
  const origins = ["http://127.0.0.1:5173", "http://localhost:5173"];
  const configured = process.env.SWITCHBOARD_DASHBOARD_URL;
  if (configured) origins.push(new URL(configured).origin);
  return origins;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startServer(options: ServerOptions): Promise<LocalServer> {
  const { engine, issuer } = options;
  const host = options.host ?? "127.0.0.1";
  const dashboardOrigins = new Set(options.dashboardOrigins ?? defaultDashboardOrigins());

  const hub = new SyncHub(engine, issuer);
  const unsubscribe = engine.onCommit(() => hub.committed());
  const clientServer = createServer(clientHttpHandler({ engine, issuer, dashboardOrigins }));
  const wss = new WebSocketServer({ noServer: true });
  clientServer.on("upgrade", (req, socket, head) => {
    if (!/^\/api\/[^/]+\/sync$/.test(new URL(req.url ?? "/", "http://localhost").pathname)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws));
  });
  const ping = setInterval(() => hub.ping(), options.pingMs ?? 15_000);

  // Deliveries first: while requests keep arriving (a storm has gaps of a few ms between
  // deliveries), due scheduled functions start one at a time and only while the engine's
  // thread has spare time; all may go once the storm has passed.
  const load = new LoadMeter();
  const gate = new BackgroundGate({
    busy: () => site.idleFor() < QUIET_MS,
    saturated: () => load.utilization() > SPARE_BELOW,
    limitWhenBusy: 1,
    recheckMs: 25,
  });
  const port = await listen(clientServer, options.port ?? 3210, host);
  const site = await HttpActionsSite.start({
    engine,
    issuer,
    host,
    port: options.sitePort ?? 3211,
    concurrency: options.siteConcurrency,
    onDrained: () => gate.poke(),
  });
  engine.t.setScheduledGate(gate.enter);
  // Compacting a large state takes the thread for seconds: not while deliveries arrive.
  engine.holdCompaction(() => site.idleFor() < QUIET_MS);
  const stopClock = engine.onClockChange(() => site.clockMoved());

  return {
    url: `http://${host}:${port}`,
    siteUrl: `http://${host}:${site.port}`,
    pendingHttpActions: () => site.depth,
    allowDashboardOrigin: (origin) => void dashboardOrigins.add(new URL(origin).origin),
    close: async () => {
      unsubscribe();
      clearInterval(ping);
      engine.t.setScheduledGate(null);
      engine.holdCompaction(null);
      gate.close();
      load.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      stopClock();
      await Promise.all([closeServer(clientServer), site.close()]);
    },
  };
}
