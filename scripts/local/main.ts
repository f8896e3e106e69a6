/**
 * `npm run local`: the whole product offline in one process. Offline codegen, the engine with
 * durable state in `.local/` (snapshot + commit log; `--reset` wipes it), the sync protocol +
 * `/api/*` on :3210, HTTP actions on :3211, crons, the fake Kapso provider, the stand-in model
 * (unless OPENAI_API_KEY is set), demo seed data on first start, and the Vite dashboard with
 * local sign-in. Ctrl-C compacts the state into the snapshot.
 */
import { makeFunctionReference } from "convex/server";
import { existsSync } from "node:fs";
import path from "node:path";
import { DEMO_CLAIMS, loadIssuer } from "./auth";
import { demoNumber, KEY_PATH, loadDotEnv, localPorts, ROOT, STATE_PATH } from "./config";
import { startCrons } from "./crons";
import { createEngine, type Engine } from "./engine";
import { startServer, type LocalServer } from "./server";
import { startInThread } from "./threads";

export type LocalOptions = {
  root?: string;
  statePath?: string | null;
  keyPath?: string | null;
  reset?: boolean;
  /** Commit-log bytes after which the state is compacted into the snapshot. */
  compactBytes?: number;
  codegen?: boolean;
  dashboard?: boolean;
  /** Override ports (0 = any free port; tests use that). */
  ports?: Partial<ReturnType<typeof localPorts>>;
  log?: (line: string) => void;
};

export type LocalRuntime = {
  urls: Record<string, string>;
  seeded: boolean;
  close(): Promise<void>;
};

type Closable = { url: string; close(): Promise<void> | void };

/** Starts a helper server from `scripts/<file>` in a thread of its own, when that module exists. */
async function startOptional(
  file: string,
  exportName: string,
  options: Record<string, unknown>,
  log: (line: string) => void,
): Promise<Closable | null> {
  const full = path.join(ROOT, "scripts", file);
  if (!existsSync(full)) {
    log(`[local] ${file} not found: skipped`);
    return null;
  }
  return await startInThread(full, exportName, options);
}

type Ports = ReturnType<typeof localPorts>;
type Log = (line: string) => void;

/** The fake Kapso provider and the stand-in model, unless real ones are configured. */
async function startStandIns(siteUrl: string, ports: Ports, log: Log) {
  const demo = demoNumber();
  const provider = process.env.KAPSO_API_KEY
    ? null
    : await startOptional(
        "fakeProvider.ts",
        "startFakeProvider",
        {
          port: ports.provider,
          webhookUrl: `${siteUrl}/webhook/kapso/messages`,
          webhookSecret: demo.webhookSecret,
          phoneNumberId: demo.providerPhoneNumberId,
          phoneNumber: demo.phoneNumber,
        },
        log,
      );
  if (provider) {
    process.env.KAPSO_API_BASE_URL = provider.url;
    process.env.KAPSO_API_KEY = "local-kapso-key";
    // Meta-direct numbers are confirmed (and send) through the same fake Graph API.
    process.env.META_GRAPH_BASE_URL ??= provider.url;
  }
  const model = process.env.OPENAI_API_KEY
    ? null
    : await startOptional("standInModel.ts", "startStandInModel", { port: ports.model }, log);
  if (model) {
    process.env.OPENAI_BASE_URL = model.url;
    process.env.OPENAI_API_KEY = "stand-in";
  }
  return { provider, model };
}

/** Demo data on first start (the seed is idempotent: it does nothing once the number exists). */
async function seedDemo(engine: Engine): Promise<boolean> {
  if ((await engine.functionInfo("demo:seed")) === null) return false;
  const result = await engine.t.mutation(
    makeFunctionReference<"mutation", Record<string, string>, { created: boolean }>("demo:seed"),
    {
      clerkOrgId: DEMO_CLAIMS.org_id,
      orgName: DEMO_CLAIMS.org_name,
      userId: DEMO_CLAIMS.subject,
      ...demoNumber(),
    },
  );
  return result.created;
}

/** The Vite dashboard, signed in through the runtime's `/local/token`. */
async function startDashboard(root: string, server: LocalServer, port: number) {
  process.env.VITE_CONVEX_URL = server.url;
  process.env.VITE_SWITCHBOARD_LOCAL_AUTH = `${server.url}/local/token`;
  const { createServer } = await import("vite");
  const vite = await createServer({
    configFile: path.join(root, "dashboard", "vite.config.ts"),
    server: { port },
    logLevel: "warn",
  });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}`;
  server.allowDashboardOrigin(url);
  return { url, close: () => vite.close() };
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? console.log;
  const root = options.root ?? ROOT;
  const ports = { ...localPorts(), ...options.ports };
  if (options.codegen !== false) {
    const { generate } = await import("../codegen");
    generate();
  }
  const engine = await createEngine({
    root,
    statePath: options.statePath === undefined ? STATE_PATH : options.statePath,
    reset: options.reset,
    compactBytes: options.compactBytes,
  });
  if (engine.recovered !== null && engine.recovered.replayed > 0) {
    log(`[local] replayed ${engine.recovered.replayed} commits from the commit log`);
  }
  const issuer = await loadIssuer(options.keyPath === undefined ? KEY_PATH : options.keyPath);
  // The server goes first so the fake provider learns the real webhook URL (ports may be 0).
  const server = await startServer({ engine, issuer, port: ports.api, sitePort: ports.site });
  const { provider, model } = await startStandIns(server.siteUrl, ports, log);
  // Backend environment: what the functions read through `env` / process.env.
  for (const [name, value] of Object.entries({
    CONVEX_CLOUD_URL: server.url,
    CONVEX_SITE_URL: server.siteUrl,
    SWITCHBOARD_WEBHOOK_BASE_URL: server.siteUrl,
    // Hooks and HTTP tools may call http and private addresses on a developer's machine
    // (metadata and link-local addresses stay refused).
    SWITCHBOARD_ALLOW_LOCAL_NETWORK: "true",
  })) {
    if (!process.env[name]) process.env[name] = value;
  }
  const crons = await startCrons(engine, root, log);
  const seeded = await seedDemo(engine);
  const urls: Record<string, string> = {
    convex: server.url,
    httpActions: server.siteUrl,
    ...(provider ? { provider: provider.url } : {}),
    ...(model ? { model: model.url } : {}),
  };
  const dashboard =
    options.dashboard === false ? null : await startDashboard(root, server, ports.dashboard);
  if (dashboard) urls.dashboard = dashboard.url;
  return {
    urls,
    seeded,
    close: async () => {
      crons.stop();
      await server.close();
      await engine.close();
      await provider?.close();
      await model?.close();
      await dashboard?.close();
    },
  };
}

async function main() {
  loadDotEnv();
  const argv = process.argv.slice(2);
  const started = Date.now();
  const runtime = await startLocal({
    reset: argv.includes("--reset"),
    codegen: !argv.includes("--no-codegen"),
    dashboard: !argv.includes("--no-dashboard"),
    compactBytes: Number(process.env.SWITCHBOARD_LOCAL_COMPACT_BYTES) || undefined,
  });
  const u = runtime.urls;
  console.log(
    [
      u.dashboard ? `dashboard ${u.dashboard}` : null,
      `convex ${u.convex}`,
      `http actions ${u.httpActions}`,
      u.provider ? `fake provider ${u.provider}` : null,
      u.model ? `stand-in model ${u.model}` : `model ${process.env.OPENAI_BASE_URL ?? "OpenAI"}`,
    ]
      .filter(Boolean)
      .join(" · ") + `  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const demo = demoNumber();
  console.log(
    `demo number ${demo.phoneNumber} (provider id ${demo.providerPhoneNumberId})` +
      (runtime.seeded ? " seeded" : "") +
      `; try: npm run simulate -- --to ${demo.phoneNumber} "Hi, my order hasn't arrived"`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log("\nCompacting state and stopping…");
    runtime.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
