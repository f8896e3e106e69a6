/**
 * Offline codegen of convex/_generated. `npx convex codegen` needs a deployment, so this runs
 * its deployment-free mode (`--system-udfs`) and appends the `components` export the
 * deployment-backed codegen would write for the components in convex/convex.config.ts.
 * `--check` regenerates into place, compares, restores, and fails if anything drifted.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const generatedDir = path.join(root, "convex", "_generated");

type Component = { name: string; pkg: string };

/** Components used by the app: `import x from "<pkg>/convex.config"` + `app.use(x[, { name }])`. */
export function readComponents(configSource: string): Component[] {
  const imports = new Map<string, string>();
  for (const m of configSource.matchAll(
    /import\s+(\w+)\s+from\s+"([^"]+)\/convex\.config(?:\.js)?"/g,
  )) {
    imports.set(m[1]!, m[2]!);
  }
  const components: Component[] = [];
  for (const m of configSource.matchAll(
    /app\.use\(\s*(\w+)\s*(?:,\s*\{[^}]*name:\s*"([^"]+)"[^}]*\})?\s*\)/g,
  )) {
    const pkg = imports.get(m[1]!);
    if (pkg === undefined) throw new Error(`convex.config.ts uses ${m[1]} without importing it`);
    components.push({ name: m[2] ?? defaultComponentName(pkg), pkg });
  }
  return components;
}

function defaultComponentName(pkg: string): string {
  const configPath = path.join(root, "node_modules", pkg, "dist", "component", "convex.config.js");
  const source = readFileSync(configPath, "utf8");
  const m = /defineComponent\(\s*"([^"]+)"/.exec(source);
  if (!m) throw new Error(`Cannot find the component name of ${pkg}`);
  return m[1]!;
}

function appendComponents(components: Component[]) {
  if (components.length === 0) return;
  const apiJs = path.join(generatedDir, "api.js");
  let js = readFileSync(apiJs, "utf8");
  js = js.replace(
    /import \{ anyApi \} from "convex\/server";/,
    'import { anyApi, componentsGeneric } from "convex/server";',
  );
  js += "\nexport const components = componentsGeneric();\n";
  writeFileSync(apiJs, js);
  const apiDts = path.join(generatedDir, "api.d.ts");
  const entries = components
    .map(
      (c) =>
        `  ${JSON.stringify(c.name)}: import("${c.pkg}/_generated/component.js").ComponentApi<${JSON.stringify(c.name)}>;`,
    )
    .join("\n");
  writeFileSync(
    apiDts,
    readFileSync(apiDts, "utf8") + `\nexport declare const components: {\n${entries}\n};\n`,
  );
}

function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(generatedDir)) return files;
  for (const name of readdirSync(generatedDir)) {
    files.set(name, readFileSync(path.join(generatedDir, name), "utf8"));
  }
  return files;
}

export function generate() {
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules", "convex", "bin", "main.js"),
      "codegen",
      "--system-udfs",
      "--typecheck",
      "disable",
    ],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, CONVEX_DEPLOYMENT: "" },
    },
  );
  const configPath = path.join(root, "convex", "convex.config.ts");
  const components = existsSync(configPath) ? readComponents(readFileSync(configPath, "utf8")) : [];
  appendComponents(components);
}

function main() {
  if (!process.argv.includes("--check")) {
    generate();
    console.log("convex/_generated regenerated.");
    return;
  }
  const before = snapshot();
  generate();
  const after = snapshot();
  const drifted = [...new Set([...before.keys(), ...after.keys()])].filter(
    (name) => before.get(name) !== after.get(name),
  );
  if (drifted.length > 0) {
    for (const name of after.keys()) if (!before.has(name)) rmSync(path.join(generatedDir, name));
    for (const [name, content] of before) writeFileSync(path.join(generatedDir, name), content);
    console.error(
      `convex/_generated is out of date (${drifted.join(", ")}): run \`npm run codegen\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log("convex/_generated is up to date.");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
