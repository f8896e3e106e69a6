// @vitest-environment node
/**
 * The offline codegen drift check: in a scratch copy of the project, adding a function without
 * regenerating makes `codegen --check` fail (and leaves _generated untouched); regenerating
 * makes it pass again.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
let scratch: string;

function check() {
  return spawnSync(
    process.execPath,
    [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/codegen.ts", "--check"],
    { cwd: scratch, encoding: "utf8" },
  );
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "switchboard-codegen-"));
  for (const entry of ["convex", "scripts", "package.json", "convex.json", "tsconfig.json"]) {
    cpSync(path.join(root, entry), path.join(scratch, entry), { recursive: true });
  }
  symlinkSync(path.join(root, "node_modules"), path.join(scratch, "node_modules"), "dir");
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("the committed convex/_generated matches the code", () => {
  const result = check();
  expect(result.stderr).not.toContain("out of date");
  expect(result.status).toBe(0);
});

test("adding a function without regenerating fails the check and restores _generated", () => {
  const apiBefore = readFileSync(path.join(scratch, "convex/_generated/api.d.ts"), "utf8");
  writeFileSync(
    path.join(scratch, "convex/driftProbe.ts"),
    'import { query } from "./_generated/server";\nexport const probe = query({ args: {}, handler: async () => 1 });\n',
  );
  const result = check();
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("out of date");
  expect(readFileSync(path.join(scratch, "convex/_generated/api.d.ts"), "utf8")).toBe(apiBefore);

  execFileSync(
    process.execPath,
    [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/codegen.ts"],
    { cwd: scratch },
  );
  expect(readFileSync(path.join(scratch, "convex/_generated/api.d.ts"), "utf8")).toContain(
    "driftProbe",
  );
  expect(check().status).toBe(0);
});
