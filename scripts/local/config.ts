/**
 * Defaults shared by `npm run local`, the simulator and the CLI: ports, the state folder and
 * the demo number (its provider phone number id and webhook secret can be overridden through
 * the environment, see `.env.example`, so any external tool can sign deliveries to it).
 */
import { existsSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Where the runtime keeps its state (`SWITCHBOARD_LOCAL_DIR` moves it, e.g. for tests). */
export const LOCAL_DIR = process.env.SWITCHBOARD_LOCAL_DIR
  ? path.resolve(process.env.SWITCHBOARD_LOCAL_DIR)
  : path.join(ROOT, ".local");
export const STATE_PATH = path.join(LOCAL_DIR, "state.json");
export const KEY_PATH = path.join(LOCAL_DIR, "issuer-key.json");

/** Loads `.env` from the repository root into process.env (existing variables win). */
export function loadDotEnv() {
  const file = path.join(ROOT, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw ? Number(raw) : fallback;
}

export function localPorts() {
  return {
    api: envNumber("SWITCHBOARD_LOCAL_PORT", 3210),
    site: envNumber("SWITCHBOARD_LOCAL_SITE_PORT", 3211),
    provider: envNumber("SWITCHBOARD_LOCAL_PROVIDER_PORT", 3212),
    model: envNumber("SWITCHBOARD_LOCAL_MODEL_PORT", 3213),
    dashboard: 5173,
  };
}

export function demoNumber() {
  return {
    phoneNumber: process.env.SWITCHBOARD_DEMO_PHONE_NUMBER || "+15550100100",
    providerPhoneNumberId: process.env.SWITCHBOARD_DEMO_PHONE_NUMBER_ID || "100200300400500",
    webhookSecret: process.env.SWITCHBOARD_DEMO_WEBHOOK_SECRET || "local-demo-webhook-secret",
  };
}

/** Where the runtime's HTTP API and HTTP actions listen (the CLI and simulator use these). */
export function localUrls() {
  const ports = localPorts();
  return {
    convexUrl: process.env.CONVEX_URL || `http://127.0.0.1:${ports.api}`,
    siteUrl: process.env.CONVEX_SITE_URL || `http://127.0.0.1:${ports.site}`,
  };
}
