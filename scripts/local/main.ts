/**
 * `npm run local`: the whole product offline in one process. Offline codegen, the engine with
 * state in `.local/state.json` (`--reset` wipes it), the sync protocol + `/api/*` on :3210, HTTP
 * actions on :3211, crons, the fake Kapso provider, the stand-in model (unless OPENAI_API_KEY is
 * set), demo seed data on first start, and the Vite dashboard with local sign-in. Ctrl-C saves.
 */
import { makeFunctionReference } from "convex/server";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DEMO_CLAIMS, loadIssuer } from "./auth";
import { demoNumber, KEY_PATH, loadDotEnv, localPorts, ROOT, STATE_PATH } from "./config";
import { startCrons } from "./crons";
import { createEngine } from "./engine";
import { startServer } from "./server";

export type LocalOptions = {
  root?: string;
  statePath?: string | null;
  keyPath?: string | null;
  reset?: boolean;
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

/** Starts a helper server from `scripts/<file>` when that module exists (another issue's work). */
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
  const mod = (await import(pathToFileURL(full).href)) as Record<
    string,
    ((opts: Record<string, unknown>) => Promise<Closable>) | undefined
  >;
  const start = mod[exportName];
  if (typeof start !== "function") {
    log(`[local] ${file} has no ${exportName}(): skipped`);
    return null;
  }
  return await start(options);
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? console.log;
  const root = options.root ?? ROOT;
  const ports = { ...localPorts(), ...options.ports };
  const closers: Array<() => Promise<void> | void> = [];

  if (options.codegen !== false) {
    const { generate } = await import("../codegen");
    generate();
  }

  const engine = await createEngine({
    root,
    statePath: options.statePath === undefined ? STATE_PATH : options.statePath,
    reset: options.reset,
  });
  const issuer = await loadIssuer(options.keyPath === undefined ? KEY_PATH : options.keyPath);
  const server = await startServer({ engine, issuer, port: ports.api, sitePort: ports.site });
  // The server goes first so the fake provider learns the real webhook URL (ports may be 0).
  const siteUrl = server.siteUrl;
  const demo = demoNumber();

  // Backend environment: what the functions read through `env` / process.env.
  const setDefault = (name: string, value: string) => {
    if (!process.env[name]) process.env[name] = value;
  };
  // The fake provider stands in for Kapso unless a real KAPSO_API_KEY is configured.
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
    closers.push(() => provider.close());
    process.env.KAPSO_API_BASE_URL = provider.url;
    process.env.KAPSO_API_KEY = "local-kapso-key";
  }
  let model: Closable | null = null;
  if (!process.env.OPENAI_API_KEY) {
    model = await startOptional("standInModel.ts", "startStandInModel", { port: ports.model }, log);
    if (model) {
      closers.push(() => model!.close());
      process.env.OPENAI_BASE_URL = model.url;
      process.env.OPENAI_API_KEY = "stand-in";
    }
  }

  setDefault("CONVEX_CLOUD_URL", server.url);
  setDefault("CONVEX_SITE_URL", server.siteUrl);
  setDefault("SWITCHBOARD_WEBHOOK_BASE_URL", server.siteUrl);
  const crons = await startCrons(engine, root, log);
  closers.unshift(async () => {
    crons.stop();
    await server.close();
    await engine.close();
  });

  // Demo data on first start (the seed is idempotent: it does nothing once the number exists).
  let seeded = false;
  if ((await engine.functionInfo("demo:seed")) !== null) {
    const result = await engine.t.mutation(
      makeFunctionReference<"mutation", Record<string, string>, { created: boolean }>("demo:seed"),
      {
        clerkOrgId: DEMO_CLAIMS.org_id,
        orgName: DEMO_CLAIMS.org_name,
        userId: DEMO_CLAIMS.subject,
        ...demo,
      },
    );
    seeded = result.created;
  }

  const urls: Record<string, string> = {
    convex: server.url,
    httpActions: server.siteUrl,
    ...(provider ? { provider: provider.url } : {}),
    ...(model ? { model: model.url } : {}),
  };

  if (options.dashboard !== false) {
    process.env.VITE_CONVEX_URL = server.url;
    process.env.VITE_SWITCHBOARD_LOCAL_AUTH = `${server.url}/local/token`;
    const { createServer } = await import("vite");
    const vite = await createServer({
      configFile: path.join(root, "dashboard", "vite.config.ts"),
      server: { port: ports.dashboard },
      logLevel: "warn",
    });
    await vite.listen();
    closers.push(() => vite.close());
    urls.dashboard = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${ports.dashboard}`;
  }

  return {
    urls,
    seeded,
    close: async () => {
      for (const close of closers) await close();
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
    console.log("\nSaving state and stopping…");
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
