// The dashboard's Vite build and dev server; `envDir` is the repository root so one .env serves
// everything.
// The charting library (recharts, then its d3/redux dependencies) gets chunks of its own, loaded
// only with the analytics page; React and Mantine are shared by every page.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  envDir: "..",
  plugins: [react()],
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  // Scan every source file for dependencies at start: pages load lazily, and a dependency first
  // met on a lazy page would otherwise make the dev server re-optimize and reload the browser.
  optimizeDeps: { entries: ["index.html", "src/**/*.{ts,tsx}"] },
  build: {
    rolldownOptions: {
      output: {
        codeSplitting: {
          includeDependenciesRecursively: false,
          groups: [
            { name: "recharts", test: /node_modules[\\/]recharts[\\/]/, priority: 1 },
            {
              name: "charts-deps",
              test: /node_modules[\\/](d3-[a-z-]+|victory-vendor|@reduxjs|redux|immer|reselect|decimal\.js-light|es-toolkit|eventemitter3|internmap)[\\/]/,
              priority: 2,
            },
            {
              name: "react-vendor",
              test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/,
            },
          ],
        },
      },
    },
  },
});
