/**
 * Real Chromium for the dashboard's browser test, found without apt: CHROMIUM_PATH when set,
 * else Debian's /usr/bin/chromium when installed, else the build shipped inside the npm package
 * @sparticuz/chromium (unpacked to the temp directory on first use, with its own NSS libraries). Also: screenshots into a
 * named folder and the axe-core accessibility check of a page.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const require = createRequire(import.meta.url);

const COMMON_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type LaunchOptions = {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
  source: string;
};

/**
 * The Chromium inside @sparticuz/chromium, with the libraries it needs besides libc (NSS, NSPR,
 * expat) from the package's own bundle, so it starts on machines that lack them.
 */
async function packagedChromium(): Promise<LaunchOptions> {
  const { default: packaged } = await import("@sparticuz/chromium");
  const executablePath = await packaged.executablePath();
  const entry = require.resolve("@sparticuz/chromium");
  const { inflate } = require(path.join(path.dirname(entry), "lambdafs.cjs")) as {
    inflate: (file: string) => Promise<string>;
  };
  const libs = path.join(
    await inflate(path.join(path.dirname(entry), "..", "..", "bin", "al2023.tar.br")),
    "lib",
  );
  const env = {
    ...(process.env as Record<string, string>),
    LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
  };
  // Not the package's serverless flags: --single-process makes closing a browser context kill the
  // browser, and its software-GL flags make screenshots of chart pages take seconds.
  return { executablePath, args: COMMON_ARGS, env, source: "@sparticuz/chromium" };
}

/** CHROMIUM_PATH=@sparticuz/chromium forces the npm-delivered build even where Debian's exists. */
export async function chromiumLaunchOptions(): Promise<LaunchOptions> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured === "@sparticuz/chromium") return await packagedChromium();
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`CHROMIUM_PATH points to ${configured}, which does not exist.`);
    return { executablePath: configured, args: COMMON_ARGS, source: "CHROMIUM_PATH" };
  }
  if (existsSync("/usr/bin/chromium")) {
    return { executablePath: "/usr/bin/chromium", args: COMMON_ARGS, source: "/usr/bin/chromium" };
  }
  return await packagedChromium();
}

export async function launchChromium(): Promise<{ browser: Browser; source: string }> {
  const { source, ...options } = await chromiumLaunchOptions();
  return { browser: await chromium.launch({ ...options, headless: true }), source };
}

/** Writes `<dir>/<nn>-<name>.png`, numbered in the order taken. */
export function screenshotter(dir: string) {
  mkdirSync(dir, { recursive: true });
  // Screenshots of an earlier run would mix with this run's numbering.
  for (const name of readdirSync(dir)) if (name.endsWith(".png")) rmSync(path.join(dir, name));
  let n = 0;
  return async (page: Page, name: string) => {
    n += 1;
    const file = path.join(dir, `${String(n).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}

export type AxeViolation = { id: string; impact: string; help: string; targets: string[] };

/** The serious and critical axe-core violations of the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  if (!loaded) await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  return await page.evaluate(async () => {
    type Result = {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    };
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Result[] }> };
      }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact!,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      }));
  });
}
