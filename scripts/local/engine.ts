/**
 * The local runtime's engine: convex-test's in-process Convex implementation, loaded in plain
 * Node with every module of `convex/` and the components named in `convex/convex.config.ts`
 * (nested ones too), its state restored from and written back to a JSON file under `.local/`.
 * See convex-notes §2; the snapshot/commit-hook/timer-clamp APIs come from patches/convex-test+*.
 */
import { convexTest, type EngineSnapshot } from "convex-test";
import type { SchemaDefinition, GenericSchema } from "convex/server";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export type ModuleMap = Record<string, () => Promise<Record<string, unknown>>>;
export type FunctionKind = "query" | "mutation" | "action";
export type FunctionInfo = { kind: FunctionKind | "httpAction"; isPublic: boolean };
export type ConvexEngine = ReturnType<typeof convexTest>;

export type EngineOptions = {
  /** Repository root (the folder holding `convex/`). */
  root: string;
  /** Where the state lives; `null` keeps it in memory only. */
  statePath: string | null;
  /** Start from an empty database, deleting the state file. */
  reset?: boolean;
  /** Delay between a commit and the snapshot write (coalesces bursts). */
  snapshotDelayMs?: number;
};

export type Engine = {
  t: ConvexEngine;
  /** Component instance paths registered, e.g. `rateLimiter`, `rateLimiter/batchWorker`. */
  components: string[];
  /** The kind and visibility of an app function (`module:export`), or null when none exists. */
  functionInfo(udfPath: string): Promise<FunctionInfo | null>;
  /** Subscribes to committed writes (mutations, scheduled functions, crons, HTTP actions). */
  onCommit(listener: () => void): () => void;
  /** Writes the snapshot now (also done automatically after commits). */
  flush(): Promise<void>;
  /** Flushes, cancels timers and listeners. */
  close(): Promise<void>;
};

let writes = 0;
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
        map[full] = () => import(url) as Promise<Record<string, unknown>>;
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

/** Loads the state file; a missing or unreadable file means an empty database. */
export function readState(statePath: string): EngineSnapshot | null {
  if (!existsSync(statePath)) return null;
  return JSON.parse(readFileSync(statePath, "utf8")) as EngineSnapshot;
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const convexDir = path.join(options.root, "convex");
  const modules = moduleMap(convexDir);
  const schemaFile = ["schema.ts", "schema.js"]
    .map((f) => path.join(convexDir, f))
    .find((f) => existsSync(f));
  const schema = schemaFile
    ? await importDefault<SchemaDefinition<GenericSchema, boolean>>(schemaFile)
    : undefined;
  const t = convexTest({ schema, modules });

  const components = componentTree(options.root);
  for (const c of components) {
    const componentSchema = await importDefault<SchemaDefinition<GenericSchema, boolean>>(
      path.join(c.dir, "schema.js"),
    );
    t.registerComponent(c.instancePath, componentSchema, moduleMap(c.dir));
  }

  const statePath = options.statePath;
  if (statePath !== null) {
    if (options.reset) rmSync(statePath, { force: true });
    const state = readState(statePath);
    if (state !== null) {
      // Components removed from convex.config.ts since the last run: drop their state.
      const known = new Set(["", ...components.map((c) => c.instancePath)]);
      for (const key of Object.keys(state.components)) {
        if (!known.has(key)) delete state.components[key];
      }
      await t.restore(state);
    }
  }

  let writeTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (writeTimer !== null) clearTimeout(writeTimer);
    writeTimer = null;
    if (statePath === null) return;
    const run = writing.then(async () => {
      const snap = await t.snapshot();
      mkdirSync(path.dirname(statePath), { recursive: true });
      const tmp = `${statePath}.${process.pid}.${++writes}.tmp`;
      await writeFile(tmp, JSON.stringify(snap));
      renameSync(tmp, statePath);
    });
    writing = run.catch((error: unknown) => console.error("[local] snapshot failed", error));
    await run;
  };
  const unsubscribeSnapshots = t.onCommit(() => {
    if (statePath === null || writeTimer !== null) return;
    writeTimer = setTimeout(() => {
      writeTimer = null;
      void flush().catch(() => undefined);
    }, options.snapshotDelayMs ?? 100);
  });

  const functionInfo = async (udfPath: string): Promise<FunctionInfo | null> => {
    const [modulePath, exportName = "default"] = udfPath.split(":");
    if (!modulePath || modulePath.includes("..") || modulePath.startsWith("_")) return null;
    const key = Object.keys(modules).find(
      (k) => k.slice(convexDir.length + 1).replace(/\.[^.]+$/, "") === modulePath,
    );
    if (key === undefined) return null;
    const mod = await modules[key]!();
    type Registered = {
      isQuery?: boolean;
      isMutation?: boolean;
      isAction?: boolean;
      isHttp?: boolean;
      isPublic?: boolean;
    };
    const fn = mod[exportName] as Registered | undefined;
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
    if (kind === null) return null;
    return { kind, isPublic: fn.isPublic === true };
  };

  return {
    t,
    components: components.map((c) => c.instancePath),
    functionInfo,
    onCommit: (listener) => t.onCommit(() => listener()),
    flush,
    close: async () => {
      unsubscribeSnapshots();
      await flush();
      t.dispose();
    },
  };
}
