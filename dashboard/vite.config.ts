// The dashboard's Vite build; `envDir` is the repository root so one .env serves everything.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  envDir: "..",
  plugins: [react()],
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
});
