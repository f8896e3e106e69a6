// Test runner configuration: convex-test needs the edge-runtime environment and to be inlined;
// the dashboard's component tests (tests/dashboard/*.test.tsx) pick jsdom per file.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
