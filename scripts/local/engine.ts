/**
 * The local runtime's engine: convex-test's in-process Convex implementation, loaded in plain
 * Node with every module of `convex/` and the components named in `convex/convex.config.ts`
 * (nested ones too), with index-backed reads (indexes.ts) and durable state: a snapshot under
 * `.local/` plus an append-only commit log (durability.ts). The snapshot, commit-hook and timer
 * APIs come from patches/convex-test+*.patch.
 */
import { convexTest } from "convex-test";
import type { SchemaDefinition, GenericSchema } from "convex/server";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { advanceClock } from "./clock";
import {
  openDurableStore,
  recoverState,
  removeState,
  type DurableStore,
  type Recovered,
} from "./durability";
import { installIndexes } from "./indexes";

export type ModuleMap = Record<string, () => Promise<Record<string, unknown>>>;
export type FunctionKind = "query" | "mutation" | "action";
export type FunctionInfo = { kind: FunctionKind | "httpAction"; isPublic: boolean };
export type ConvexEngine = ReturnType<typeof convexTest>;

export type EngineOptions = {
  /** Repository root (the folder holding `convex/`). */
  root: string;
  /** The snapshot file (its commit logs sit next to it); `null` keeps state in memory only. */
  statePath: string | null;
  /** Start from an empty database, deleting the snapshot and logs. */
  reset?: boolean;
  /** Commit-log bytes after which the state is compacted into the snapshot. */
  compactBytes?: number;
  /** Answer queries by scanning, as convex-test does (benchmarks compare against it). */
  fullScan?: boolean;
  /**
   * Keeps due scheduled functions pending instead of running them (tools that only read a
   * state, e.g. a benchmark counting what was stored, must not run its backlog of agent turns).
   */
  holdScheduled?: boolean;
  /** Continuous transaction work after which it lets other requests in (default 4 ms). */
  yieldAfterMs?: number;
};

export type Engine = {
  t: ConvexEngine;
  /** The app's `convex/` folder. */
  convexDir: string;
  /** Component instance paths registered, e.g. `rateLimiter`, `rateLimiter/batchWorker`. */
  components: string[];
  /** What start-up recovered from disk (null when state is in memory only). */
  recovered: Pick<Recovered, "replayed" | "droppedBytes" | "seq"> | null;
  /** The kind and visibility of an app function (`module:export`), or null when none exists. */
  functionInfo(udfPath: string): Promise<FunctionInfo | null>;
  /** Subscribes to committed writes (mutations, scheduled functions, crons, HTTP actions). */
  onCommit(listener: () => void): () => void;
  /** Resolves once every commit made so far is on disk (answer callers after this). */
  flush(): Promise<void>;
  /** Writes the whole state into the snapshot and drops the commit logs it covers. */
  compact(): Promise<void>;
  /** Postpones compaction while `hold()` is true (e.g. during a delivery storm); null clears it. */
  holdCompaction(hold: (() => boolean) | null): void;
  /** Moves the clock ahead (see clock.ts) and re-arms timers that depend on it. */
  advanceClock(ms: number): number;
  /** Subscribes to clock moves (the cron runner re-arms its jobs). */
  onClockChange(listener: () => void): () => void;
  /** Flushes, compacts, cancels timers and listeners. */
  close(): Promise<void>;
};

const SKIP = /(\.d\.ts|\.map|\.test\.[jt]s|\.spec\.[jt]s)$/;

/** Every `.ts`/`.js` file under `dir`, keyed by its real path (the `_generated` key locates the root). */
export function moduleMap(dir: string): ModuleMap {
  const map: ModuleMap = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(full);
      } else if (/\.(ts|js|mjs)$/.test(entry.name) && !SKIP.test(entry.name)) {
        const url = pathToFileURL(full).href;
        // Loaded once: every function call resolves its module, and a repeated `import()`
        // still goes through the loader hooks (tsx), which costs far more than the call.
        let loaded: Promise<Record<string, unknown>> | undefined;
        map[full] = () => (loaded ??= import(url) as Promise<Record<string, unknown>>);
      }
    }
  };
  walk(dir);
  return map;
}

type ComponentUse = { pkg: string; name: string | undefined };

/** `import x from "<pkg>/convex.config[.js]"` + `<app|component>.use(x[, { name }])`, by text. */
export function componentUses(configSource: string): ComponentUse[] {
  const imports = new Map<string, string>();
  for (const m of configSource.matchAll(
    /import\s+(\w+)\s+from\s+["']([^"']+)\/convex\.config(?:\.js)?["']/g,
  )) {
    imports.set(m[1]!, m[2]!);
  }
  const uses: ComponentUse[] = [];
  for (const m of configSource.matchAll(/\w+\.use\(\s*(\w+)\s*(?:,\s*(\{[^)]*\}))?\s*\)/g)) {
    const pkg = imports.get(m[1]!);
    if (pkg === undefined) continue;
    const name = m[2] ? /\bname:\s*["']([^"']+)["']/.exec(m[2])?.[1] : undefined;
    uses.push({ pkg, name });
  }
  return uses;
}

type ComponentDir = { instancePath: string; dir: string };

/** Resolves the component tree (app-level and nested) to folders of compiled component code. */
export function componentTree(root: string): ComponentDir[] {
  const configPath = path.join(root, "convex", "convex.config.ts");
  if (!existsSync(configPath)) return [];
  const found: ComponentDir[] = [];
  const visit = (source: string, fromDir: string, parent: string) => {
    const require = createRequire(path.join(fromDir, "package.json"));
    for (const use of componentUses(source)) {
      const pkgJson = require.resolve(`${use.pkg}/package.json`);
      const dir = path.join(path.dirname(pkgJson), "dist", "component");
      const childConfig = readFileSync(path.join(dir, "convex.config.js"), "utf8");
      const defaultName = /defineComponent\(\s*["']([^"']+)["']/.exec(childConfig)?.[1];
      const name = use.name ?? defaultName;
      if (!name) throw new Error(`Cannot find the component name of ${use.pkg}`);
      const instancePath = parent ? `${parent}/${name}` : name;
      found.push({ instancePath, dir });
      visit(childConfig, path.dirname(pkgJson), instancePath);
    }
  };
  visit(readFileSync(configPath, "utf8"), root, "");
  return found;
}

async function importDefault<T>(file: string): Promise<T> {
  const mod = (await import(pathToFileURL(file).href)) as { default: T };
  return mod.default;
}

/** Restores the last durable state (snapshot + commit log) and opens the log for new commits. */
async function openState(
  t: ConvexEngine,
  statePath: string,
  components: string[],
  options: EngineOptions,
): Promise<{ store: DurableStore; recovered: Recovered }> {
  mkdirSync(path.dirname(statePath), { recursive: true });
  if (options.reset) removeState(statePath);
  const recovered = recoverState(statePath);
  if (recovered.droppedBytes > 0) {
    console.warn(`[local] dropped ${recovered.droppedBytes} bytes of a torn commit-log record`);
  }
  const state = recovered.snapshot;
  if (state !== null) {
    // Components removed from convex.config.ts since the last run: drop their state.
    const known = new Set(["", ...components]);
    for (const key of Object.keys(state.components)) {
      if (!known.has(key)) delete state.components[key];
    }
    await t.restore(state);
  }
  return { store: openDurableStore(t, statePath, recovered, options), recovered };
}

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isHttp?: boolean;
  isPublic?: boolean;
};

/** Looks up `module:export` in a module map: its kind and visibility, or null. */
function functionLookup(modules: ModuleMap, convexDir: string) {
  const byPath = new Map(
    Object.entries(modules).map(([file, load]) => [
      file.slice(convexDir.length + 1).replace(/\.[^.]+$/, ""),
      load,
    ]),
  );
  return async (udfPath: string): Promise<FunctionInfo | null> => {
    const [modulePath, exportName = "default"] = udfPath.split(":");
    if (!modulePath || modulePath.includes("..") || modulePath.startsWith("_")) return null;
    const load = byPath.get(modulePath);
    if (load === undefined) return null;
    const fn = (await load())[exportName] as Registered | undefined;
    if (typeof fn !== "function" && (typeof fn !== "object" || fn === null)) return null;
    const kind = fn.isQuery
      ? "query"
      : fn.isMutation
        ? "mutation"
        : fn.isAction
          ? "action"
          : fn.isHttp
            ? "httpAction"
            : null;
    return kind === null ? null : { kind, isPublic: fn.isPublic === true };
  };
}

/** convex-test loaded with the app's schema and modules and every component registered. */
async function loadEngine(root: string, convexDir: string, modules: ModuleMap) {
  const schemaFile = ["schema.ts", "schema.js"]
    .map((f) => path.join(convexDir, f))
    .find((f) => existsSync(f));
  const schema = schemaFile
    ? await importDefault<SchemaDefinition<GenericSchema, boolean>>(schemaFile)
    : undefined;
  const t = convexTest({ schema, modules });
  const components = componentTree(root);
  for (const c of components) {
    const componentSchema = await importDefault<SchemaDefinition<GenericSchema, boolean>>(
      path.join(c.dir, "schema.js"),
    );
    t.registerComponent(c.instancePath, componentSchema, moduleMap(c.dir));
  }
  return { t, components: components.map((c) => c.instancePath) };
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const convexDir = path.join(options.root, "convex");
  const modules = moduleMap(convexDir);
  const { t, components } = await loadEngine(options.root, convexDir, modules);
  // A long transaction must not hold the event loop: requests are still accepted and queued.
  t.yieldEvery(options.yieldAfterMs ?? 4);
  if (options.holdScheduled) t.setScheduledGate(() => new Promise<() => void>(() => undefined));
  const opened =
    options.statePath === null ? null : await openState(t, options.statePath, components, options);
  if (!options.fullScan) installIndexes(t);
  if (opened !== null && opened.recovered.replayed > 0) {
    // Start from a fresh snapshot so the next start replays nothing.
    opened.store.compact().catch((error: unknown) => console.error("[local] compaction", error));
  }
  const clockListeners = new Set<() => void>();
  const recovered = opened?.recovered ?? null;

  return {
    t,
    convexDir,
    components,
    recovered: recovered && {
      replayed: recovered.replayed,
      droppedBytes: recovered.droppedBytes,
      seq: recovered.seq,
    },
    functionInfo: functionLookup(modules, convexDir),
    onCommit: (listener) => t.onCommit(() => listener()),
    flush: () => opened?.store.flushed() ?? Promise.resolve(),
    compact: () => opened?.store.compact() ?? Promise.resolve(),
    holdCompaction: (hold) => opened?.store.holdCompaction(hold),
    advanceClock: (ms) => {
      const now = advanceClock(ms);
      t.rearmTimers();
      for (const listener of clockListeners) listener();
      return now;
    },
    onClockChange: (listener) => {
      clockListeners.add(listener);
      return () => clockListeners.delete(listener);
    },
    close: async () => {
      t.dispose();
      await opened?.store.close();
    },
  };
}
