/**
 * Checks offline that convex/ would bundle for Convex Cloud as `npx convex deploy` does: every
 * file is an entry point (the same skipping rules as the Convex CLI), files without "use node"
 * must bundle for the Convex runtime (no Node built-ins), "use node" files for Node. Prints the
 * problems and exits 1 when there are any.
 */
import { build } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const USE_NODE = /^\s*("|')use node("|');?\s*$/m;

/** The entry points the Convex CLI would bundle from a functions directory. */
export function convexEntryPoints(dir: string): { file: string; node: boolean }[] {
  const found: { file: string; node: boolean }[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const rel = path.relative(dir, full);
      if (entry.isDirectory()) {
        if (rel !== "_generated") walk(full);
        continue;
      }
      const base = entry.name;
      if (!/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(base) || base.endsWith(".d.ts")) continue;
      if (base.startsWith(".") || base.startsWith("#") || base.includes(" ")) continue;
      if (base === "schema.ts" || base === "schema.js") continue;
      if ((base.match(/\./g) ?? []).length > 1) continue;
      const source = readFileSync(full, "utf8");
      if (!/^\s{0,100}(import|export)/m.test(source)) continue;
      found.push({ file: full, node: USE_NODE.test(source.split("\n").slice(0, 10).join("\n")) });
    }
  };
  walk(dir);
  return found;
}

/** Bundles each runtime's entry points; returns the error messages (empty when deployable). */
export async function checkDeployBundle(dir: string): Promise<string[]> {
  const entries = convexEntryPoints(dir);
  const problems: string[] = [];
  for (const node of [false, true]) {
    const files = entries.filter((e) => e.node === node).map((e) => e.file);
    if (files.length === 0) continue;
    const result = await build({
      entryPoints: files,
      bundle: true,
      write: false,
      outdir: "out",
      format: "esm",
      platform: node ? "node" : "browser",
      conditions: node ? [] : ["convex"],
      packages: node ? "external" : undefined,
      logLevel: "silent",
    }).catch((error: { errors?: { text: string; location?: { file: string } | null }[] }) => error);
    for (const e of "errors" in result ? (result.errors ?? []) : []) {
      problems.push(`${node ? "node" : "convex runtime"}: ${e.location?.file ?? "?"}: ${e.text}`);
    }
  }
  return problems;
}

async function main() {
  const dir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "..", "convex"));
  const problems = await checkDeployBundle(dir);
  if (problems.length > 0) {
    console.error(`convex/ would not deploy:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.log(`convex/ bundles for both runtimes (${convexEntryPoints(dir).length} entry points).`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await main();
}
