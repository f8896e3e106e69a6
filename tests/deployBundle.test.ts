// @vitest-environment node
/**
 * `npx convex deploy` bundles every file of convex/: files without "use node" for the Convex
 * runtime, which has no Node built-ins. This checks offline that ours would bundle, and that
 * the check catches a Node import in a file that lacks the directive.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { checkDeployBundle } from "../scripts/checkDeployBundle";

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function functionsDir(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-bundle-"));
  scratch.push(dir);
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
  return dir;
}

const usesCrypto =
  'import { createHash } from "node:crypto";\nexport const h = () => createHash("sha256");\n';

test("convex/ bundles for the Convex runtime and for Node", async () => {
  expect(await checkDeployBundle(path.resolve(import.meta.dirname, "..", "convex"))).toEqual([]);
}, 60_000);

test('a Node built-in in a file without "use node" is reported', async () => {
  const problems = await checkDeployBundle(functionsDir({ "helper.ts": usesCrypto }));
  expect(problems.join("\n")).toContain('Could not resolve "node:crypto"');
});

test('the same import under "use node" bundles', async () => {
  expect(
    await checkDeployBundle(functionsDir({ "helper.ts": `"use node";\n${usesCrypto}` })),
  ).toEqual([]);
});
