// @vitest-environment node
/**
 * The dashboard in a real browser (headless Chromium) against the local runtime, the way an
 * admin and a teammate use it: connect a Meta-direct number (webhook URL, verify token,
 * handshake), create an agent with an HTTP tool and a knowledge CSV, create a router and test a
 * message, watch a customer's conversation live until the AI's reply is read, take over, reply,
 * release, let the 24-hour window close and send a template, replay a failed delivery, read the
 * analytics. Then every page is visited: a screenshot each (in SCREENSHOT_DIR) and an axe-core
 * check with no serious or critical violation. Chromium comes from tests/dashboard/browser.ts.
 */
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { advanceClock, resetClock } from "../scripts/local/clock";
import { demoNumber, ROOT } from "../scripts/local/config";
import { startLocal, type LocalRuntime } from "../scripts/local/main";
import { kapsoInboundBody, postInbound } from "../scripts/simulate";
import { launchChromium, screenshotter, seriousViolations } from "./dashboard/browser";

/** Where the screenshots of this test go (one PNG per page, numbered in visiting order). */
const SCREENSHOT_DIR =
  process.env.DASHBOARD_SCREENSHOT_DIR ?? path.join(ROOT, ".local", "screenshots", "dashboard-e2e");
const DAY_MS = 24 * 60 * 60 * 1000;

let runtime: LocalRuntime;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const snap = screenshotter(SCREENSHOT_DIR);
const ids: Record<string, string> = {};

/** Polls decide nothing by their deadline: it is a safety net for a loaded machine. */
const POLL = { timeout: 60_000, interval: 100 };

beforeAll(async () => {
  runtime = await startLocal({
    statePath: null,
    keyPath: null,
    codegen: false,
    ports: { api: 0, site: 0, provider: 0, model: 0, dashboard: 0 },
    log: () => {},
  });
  base = runtime.urls.dashboard!.replace(/\/$/, "");
  ({ browser } = await launchChromium());
  // Reduced motion: dialogs and drawers open without transitions, so screenshots show them whole.
  context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    reducedMotion: "reduce",
  });
  page = await context.newPage();
  // The browser's clock follows the runtime's, which the window test moves a day ahead.
  await page.clock.install({ time: Date.now() });
  page.setDefaultTimeout(20_000);
}, 180_000);

afterEach(async ({ task }) => {
  if (task.result?.state === "fail" && page) {
    await snap(page, `FAILED-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-")}`).catch(
      () => {},
    );
  }
});

afterAll(async () => {
  resetClock();
  await browser?.close();
  await runtime?.close();
});

async function open(route: string) {
  await page.goto(`${base}/development${route}`);
}

/** The input labelled exactly `label` (a required field's label ends with " *"). */
function field(label: string) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return page.getByLabel(new RegExp(`^${escaped}( \\*)?$`)).first();
}

/** Picks an option of a Mantine Select by its label. */
async function choose(label: string, option: string | RegExp) {
  await page.getByRole("combobox", { name: label }).first().click();
  await page.getByRole("option", { name: option }).first().click();
}

async function inbound(from: string, name: string, text: string) {
  const demo = demoNumber();
  const response = await postInbound(
    runtime.urls.httpActions!,
    demo.webhookSecret,
    kapsoInboundBody({ from, name, text, phoneNumberId: demo.providerPhoneNumberId }),
  );
  expect(response.status).toBe(200);
}

test("an admin connects a Meta-direct number and sees its webhook URL and verify token", async () => {
  await open("/numbers/connect/meta");
  const fields: [string, string][] = [
    ["Label", "Voice line"],
    ["Phone number (international format)", "+15550100200"],
    ["Phone number ID", "990011223344"],
    ["WhatsApp Business Account ID", "880011223344"],
    ["App ID", "770011223344"],
    ["App secret", "meta-app-secret"],
    ["Access token", "meta-access-token"],
  ];
  for (const [label, value] of fields) await field(label).fill(value);
  await page.getByRole("button", { name: "Connect number" }).click();
  await expect.poll(() => page.getByText("Callback URL").count(), POLL).toBeGreaterThan(0);
  const url = await page.locator("pre", { hasText: "/webhook/meta" }).first().innerText();
  expect(url).toBe(`${runtime.urls.httpActions!.replace(/\/$/, "")}/webhook/meta`);
  await page.getByRole("button", { name: "Show the verify token" }).click();
  const token = await page.locator("pre", { hasText: "verify_" }).first().innerText();
  expect(token).toMatch(/^verify_/);
  await page.getByRole("button", { name: "Check the handshake" }).click();
  await expect
    .poll(() => page.getByTestId("handshake-result").innerText(), { timeout: 20_000 })
    .toContain("answered the handshake");
  await snap(page, "meta-connect");
}, 90_000);

test("an admin creates an agent with an HTTP tool and a knowledge CSV", async () => {
  await open("/agents/new");
  await field("Name").fill("Orders bot");
  await expect.poll(() => field("Slug").inputValue(), POLL).toBe("orders-bot");
  await page.getByRole("tab", { name: "HTTP tools" }).click();
  await page.getByRole("button", { name: "Add HTTP tool" }).click();
  await field("Name").fill("order_lookup");
  await field("URL").fill("https://orders.example.com/lookup");
  await page.getByLabel("What it does (shown to the model)").fill("Finds an order by its number.");
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header name").fill("Authorization");
  await page.getByLabel("Value of Authorization").fill("Bearer secret-token");
  await page.getByRole("tab", { name: "Knowledge" }).click();
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Upload CSV" }).click();
  await (
    await chooser
  ).setFiles({
    name: "prices.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("product,price\nparcel,4.50\nexpress,9.90\n"),
  });
  await expect
    .poll(() => page.getByLabel("Content of prices").inputValue())
    .toContain("express,9.90");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.waitForURL(/\/agents\/[^/]+\?tab=prompt/);
  ids.agent = new URL(page.url()).pathname.split("/").pop()!;
  await page.getByRole("heading", { name: "Orders bot" }).waitFor();
  await page.getByRole("tab", { name: "HTTP tools" }).click();
  await expect
    .poll(() => page.getByLabel("Value of Authorization").getAttribute("placeholder"))
    .toBe("Stored (leave empty to keep)");
  await snap(page, "agent-created");
}, 90_000);

test("an admin creates a router and tests a message against it before saving", async () => {
  await open("/routers/new");
  await field("Name").fill("Intake");
  await page.getByRole("button", { name: "Add rule" }).click();
  const keywords = page.getByRole("combobox", { name: "Rule 1 keywords" });
  await keywords.fill("refund");
  await keywords.press("Enter");
  await choose("Rule 1 agent", /Orders bot/);
  await choose("Fallback agent", /^Support/);
  await page.getByLabel("Customer message").fill("Hello, I want a refund please");
  const result = page.getByTestId("router-test-result");
  await expect.poll(() => result.textContent(), POLL).toContain("Rule matched");
  expect(await result.textContent()).toContain("Orders bot (orders-bot)");
  await page.getByLabel("Customer message").fill("Where is my parcel?");
  await expect.poll(() => result.textContent(), POLL).toContain("Fallback");
  await page.getByRole("button", { name: "Create router" }).click();
  await page.waitForURL(/\/routers\/[^/]+$/);
  ids.router = new URL(page.url()).pathname.split("/").pop()!;
  await page.getByRole("heading", { name: "Intake" }).waitFor();
  await snap(page, "router-created");
}, 90_000);

test("a customer's message appears live, the AI's reply reaches read, and a teammate takes over, replies and releases", async () => {
  await open("/inbox");
  await inbound("+15557654321", "Ana Browser", "Hi, my parcel never arrived");
  await page.getByRole("link", { name: /Ana Browser/ }).click();
  await page.locator(".message.inbound", { hasText: "Hi, my parcel never arrived" }).waitFor();
  // The agent's reply appears by itself and climbs to `read` as the fake provider's statuses land.
  await page
    .locator('.message.outbound.assistant .ticks[data-status="read"]')
    .first()
    .waitFor({ timeout: 40_000 });
  await snap(page, "inbox-ai-replied");
  await page.getByRole("button", { name: "Take over" }).click();
  await expect.poll(() => page.getByTestId("owner").textContent(), POLL).toBe("Human");
  await page.getByLabel("Reply").fill("Sam here: I've re-sent your parcel today.");
  await page.getByLabel("Reply").press("Enter");
  const human = page.locator(".message.outbound.human", {
    hasText: "I've re-sent your parcel today.",
  });
  await human.waitFor();
  await human.locator('.ticks:not([data-status="queued"])').waitFor({ timeout: 30_000 });
  await page.getByRole("button", { name: "Release to AI" }).click();
  await page.getByLabel("Note for the AI (optional)").fill("Parcel re-sent today.");
  await page.getByLabel("Note for the AI (optional)").press("Enter");
  await expect.poll(() => page.getByTestId("owner").textContent(), POLL).toBe("AI handling");
  await page.locator(".handoff-event", { hasText: "Released to the AI" }).first().waitFor();
  ids.thread = new URL(page.url()).pathname.split("/").pop()!;
  await snap(page, "inbox-released");
}, 120_000);

test("an admin creates a template, and after the window closes a teammate sends it from the picker", async () => {
  await open("/templates/new");
  await field("Name").fill("parcel_update");
  await field("Body").fill("Hello, your parcel {{1}} is on its way to you.");
  await field("Example for {{1}}").fill("A-1042");
  await page.getByTestId("template-ok").waitFor();
  await snap(page, "template-editor");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await page.waitForURL(/\/templates\?number=/);
  await page.getByRole("link", { name: "parcel_update" }).waitFor();
  ids.templateHref = (await page
    .getByRole("link", { name: "parcel_update" })
    .getAttribute("href"))!.replace("/development", "");
  // A day passes in the runtime and in the browser: the customer-service window closes.
  advanceClock(DAY_MS + 60_000);
  await page.clock.setSystemTime(Date.now());
  await open(`/inbox/${ids.thread}`);
  await page.getByRole("button", { name: "Take over" }).click();
  await expect.poll(() => page.getByTestId("window").textContent(), POLL).toBe("Window closed");
  await choose("Template", /parcel_update/);
  await field("Body {{1}}").fill("A-7");
  await expect
    .poll(() => page.getByLabel("Template preview").textContent())
    .toContain("Hello, your parcel A-7 is on its way to you.");
  await page.getByRole("button", { name: "Send template" }).click();
  await page
    .locator(".message.outbound.human", { hasText: "your parcel A-7" })
    .waitFor({ timeout: 30_000 });
  await snap(page, "inbox-template-sent");
}, 120_000);

test("a delivery that arrived while WhatsApp was disabled is replayed from the activity page", async () => {
  await open("/numbers");
  await page.getByRole("switch", { name: "Enabled" }).click();
  await page.getByRole("switch", { name: "Disabled" }).waitFor();
  await inbound("+15559990001", "Replay Customer", "Are you open on Sunday?");
  await page.getByRole("switch", { name: "Disabled" }).click();
  await page.getByRole("switch", { name: "Enabled" }).waitFor();
  await open("/activity/deliveries");
  await page.getByTestId("delivery-row").first().waitFor();
  await page
    .getByRole("button", { name: /Open delivery received/ })
    .first()
    .click();
  await page.getByText("Dead letter: whatsapp_disabled").waitFor();
  await snap(page, "delivery-drawer");
  await page.getByRole("button", { name: "Replay", exact: true }).click();
  await page.getByText(/Replayed/).waitFor();
  await open("/inbox");
  await page.getByRole("link", { name: /Replay Customer/ }).click({ timeout: 30_000 });
  // The replayed message gets its AI reply; waiting for it leaves no work in flight that would
  // reorder the conversation list under the keyboard test that follows.
  await page
    .locator('.message.outbound.assistant .ticks[data-status="read"]')
    .first()
    .waitFor({ timeout: 60_000 });
}, 150_000);

test("the keyboard moves between conversations and opens the shortcut sheet and the command menu", async () => {
  await open("/inbox");
  const rows = page.locator("[data-thread-row]");
  await expect.poll(() => rows.count(), POLL).toBeGreaterThanOrEqual(2);
  const selected = () =>
    page
      .locator('[data-thread-row][aria-current="page"]')
      .evaluateAll((rows) => rows[0]?.getAttribute("href") ?? null);
  await page.locator("body").press("j");
  await expect.poll(selected, POLL).toContain("/inbox/");
  const first = await selected();
  await page.locator("body").press("j");
  await expect.poll(selected, POLL).not.toBe(first);
  await page.locator("body").press("k");
  await expect.poll(selected, POLL).toBe(first);
  expect(first).not.toBeNull();
  expect(page.url()).toContain(first!);
  await page.locator("body").press("Shift+?");
  await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
  await snap(page, "shortcut-sheet");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+k");
  await page.getByRole("dialog", { name: "Command menu" }).waitFor();
  await page.getByLabel("Search commands").fill("analytics");
  await snap(page, "command-menu");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/development\/analytics/);
}, 120_000);

test("the analytics page shows charts with the day's data", async () => {
  await open("/analytics");
  await page.getByText("Messages per day").waitFor({ timeout: 30_000 });
  const conversations = await page.getByLabel(/^Conversations: /).getAttribute("aria-label");
  expect(Number(/Conversations: (\d+)/.exec(conversations ?? "")?.[1])).toBeGreaterThanOrEqual(2);
  await expect
    .poll(() => page.locator(".recharts-surface").count(), POLL)
    .toBeGreaterThanOrEqual(3);
  await snap(page, "analytics");
}, 60_000);

test("every page renders with a screenshot and no serious or critical accessibility violation", async () => {
  await open("/numbers");
  const numberHref = await page.getByRole("link", { name: "Demo number" }).getAttribute("href");
  const pages: [string, string][] = [
    ["inbox", "/inbox"],
    ["inbox-thread", `/inbox/${ids.thread}`],
    ["numbers", "/numbers"],
    ["number", numberHref!.replace("/development", "")],
    ["meta-connect", "/numbers/connect/meta"],
    ["agents", "/agents"],
    ["agent-new", "/agents/new"],
    ["agent-prompt", `/agents/${ids.agent}?tab=prompt`],
    ["agent-http-tools", `/agents/${ids.agent}?tab=http`],
    ["agent-knowledge", `/agents/${ids.agent}?tab=knowledge`],
    ["agent-playground", `/agents/${ids.agent}?tab=playground`],
    ["routers", "/routers"],
    ["router", `/routers/${ids.router}`],
    ["templates", "/templates"],
    ["template-new", "/templates/new"],
    ["template", ids.templateHref!],
    ["activity-deliveries", "/activity/deliveries?all=1"],
    ["activity-runs", "/activity/runs"],
    ["activity-hooks", "/activity/hooks"],
    ["analytics", "/analytics"],
    ["settings-handoff", "/settings/handoff"],
    ["settings-signals", "/settings/signals"],
    ["settings-hooks", "/settings/hooks"],
    ["settings-memory", "/settings/memory"],
    ["settings-business", "/settings/business"],
    ["settings-limits", "/settings/limits"],
  ];
  const failures: string[] = [];
  for (const [name, route] of pages) {
    await open(route);
    await page.getByRole("main").waitFor();
    // Loading placeholders are gone once the page's data is in.
    await expect
      .poll(
        () => page.locator('[aria-label="Loading"], [role="status"] .mantine-Loader-root').count(),
        { timeout: 20_000 },
      )
      .toBe(0);
    await snap(page, name);
    for (const v of await seriousViolations(page)) {
      failures.push(
        `${name}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.slice(0, 3).join(", ")}`,
      );
    }
  }
  // Dark mode, once, on the busiest page.
  await page.emulateMedia({ colorScheme: "dark" });
  await open(`/inbox/${ids.thread}`);
  await page.locator(".message").first().waitFor();
  await snap(page, "inbox-thread-dark");
  for (const v of await seriousViolations(page))
    failures.push(`inbox (dark): ${v.impact} ${v.id} at ${v.targets[0]}`);
  await page.emulateMedia({ colorScheme: "light" });
  console.log(`Dashboard screenshots: ${SCREENSHOT_DIR}`);
  expect(failures).toEqual([]);
}, 300_000);
