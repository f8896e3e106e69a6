/**
 * How the CLI and the simulator reach a deployment: `CONVEX_URL` (default: the local runtime on
 * :3210) with a bearer token. `SWITCHBOARD_TOKEN` (a JWT from Clerk's `convex` template) is used
 * when set; otherwise the local runtime's issuer key in `.local/` signs one for the demo admin.
 */
import { ConvexHttpClient } from "convex/browser";
import { existsSync } from "node:fs";
import { DEMO_CLAIMS, loadIssuer } from "../local/auth";
import { KEY_PATH, localUrls } from "../local/config";

export async function tokenForCli(): Promise<string> {
  const token = process.env.SWITCHBOARD_TOKEN;
  if (token) return token;
  if (!existsSync(KEY_PATH)) {
    throw new Error(
      "No SWITCHBOARD_TOKEN and no local issuer key: start `npm run local` first, or set CONVEX_URL and SWITCHBOARD_TOKEN for a real deployment.",
    );
  }
  return (await loadIssuer(KEY_PATH)).sign(DEMO_CLAIMS);
}

export async function connect(): Promise<ConvexHttpClient> {
  const client = new ConvexHttpClient(localUrls().convexUrl);
  client.setAuth(await tokenForCli());
  return client;
}
