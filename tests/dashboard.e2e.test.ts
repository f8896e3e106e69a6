// @vitest-environment node
/**
 * The dashboard in a real browser (headless Chromium) against the local runtime: a customer
 * writes to the demo number, the inbox shows the conversation with the agent's reply reaching
 * `read`, a teammate takes it over and replies, and the reply is stored as human and reaches
 * the provider. Needs Chromium (`apt-get install chromium`; `.ci/run` installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { demoNumber } from "../scripts/local/config";
import { startLocal, type LocalRuntime } from "../scripts/local/main";
import { kapsoInboundBody, postInbound } from "../scripts/simulate";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let runtime: LocalRuntime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH.`,
    );
  }
  runtime = await startLocal({
    statePath: null,
    keyPath: null,
    codegen: false,
    ports: { api: 0, site: 0, provider: 0, model: 0, dashboard: 0 },
    log: () => {},
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.close();
});

test("a teammate sees the conversation live, takes it over and replies from the dashboard", async () => {
  const demo = demoNumber();
  const response = await postInbound(
    runtime.urls.httpActions!,
    demo.webhookSecret,
    kapsoInboundBody({
      from: "+15557654321",
      name: "Ana Browser",
      text: "Hi, my parcel never arrived",
      phoneNumberId: demo.providerPhoneNumberId,
    }),
  );
  expect(response.status).toBe(200);

  await page.goto(runtime.urls.dashboard!);
  await page.getByRole("button", { name: "Ana Browser" }).click({ timeout: 30_000 });
  await expect
    .poll(() => page.locator(".message.inbound").allInnerTexts(), { timeout: 20_000 })
    .toContainEqual(expect.stringContaining("Hi, my parcel never arrived"));
  // The agent's reply appears by itself and climbs to `read` as the fake provider's statuses land.
  await expect
    .poll(() => page.locator(".message.outbound.assistant .ticks").allInnerTexts(), {
      timeout: 30_000,
    })
    .toContainEqual(expect.stringContaining("read"));

  await page.getByRole("button", { name: "Take over" }).click();
  await page.getByText("a human").waitFor({ timeout: 10_000 });
  await page.getByPlaceholder(/Reply as a human/).fill("Sam here: I've re-sent your parcel today.");
  await page.getByRole("button", { name: "Send" }).click();
  await expect
    .poll(() => page.locator(".message.outbound.human").allInnerTexts(), { timeout: 20_000 })
    .toContainEqual(expect.stringContaining("I've re-sent your parcel today."));
  // Accepted by the provider: the tick moves past `queued`.
  await expect
    .poll(() => page.locator(".message.outbound.human .ticks").allInnerTexts(), {
      timeout: 20_000,
    })
    .toContainEqual(expect.stringMatching(/✓/));
  await page.getByText("Handoff history").click();
  await page.getByText(/to human \(manual\)/).waitFor({ timeout: 10_000 });
}, 120_000);

test("an admin saves the environment's escalation keywords from the dashboard", async () => {
  await page.goto(runtime.urls.dashboard!);
  await page.getByRole("button", { name: "numbers", exact: true }).click({ timeout: 30_000 });
  await page.getByText("Handoff settings").click();
  await page.getByLabel(/Escalation keywords/).fill("falar com um atendente\nreclamação");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor({ timeout: 10_000 });
  await page.reload();
  await page.getByRole("button", { name: "numbers", exact: true }).click({ timeout: 30_000 });
  await page.getByText("Handoff settings").click();
  await expect
    .poll(() => page.getByLabel(/Escalation keywords/).inputValue(), { timeout: 10_000 })
    .toBe("falar com um atendente\nreclamação");
}, 60_000);
