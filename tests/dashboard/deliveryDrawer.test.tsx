// @vitest-environment jsdom
/**
 * The delivery drawer shows the headers the backend kept (signatures shortened, secrets hidden
 * by name only), the items that failed and Replay for admins; the bulk replay's progress and its
 * range presets.
 */
import { fireEvent, screen, within } from "@testing-library/react";
import { expect, test, vi } from "vitest";
import { replaySince, ReplayProgress } from "../../dashboard/src/activity/BulkReplay";
import { DeliveryDetails, type DeliveryDetail } from "../../dashboard/src/activity/DeliveryDetails";
import { renderUi } from "./render";

const delivery = {
  _id: "webhookDeliveries:1",
  source: "kapso_messages",
  receivedAt: Date.UTC(2025, 9, 28, 14, 30),
  verdict: "accepted",
  eventType: "whatsapp.message.received",
  counts: { messages: 1, duplicates: 0, statuses: 0, ignored: 2 },
  deadLetter: { reason: "item_failed", detail: "item 0: contact write failed; item 3: bad id" },
  failed: true,
  replayable: true,
  replays: 0,
  numberLabel: "Sales",
  headers: [
    { name: "authorization", value: "", shown: "hidden" },
    { name: "content-type", value: "application/json", shown: "full" },
    { name: "x-webhook-signature", value: "9f86d081…", shown: "shortened" },
  ],
  failedItems: [
    { index: 0, error: "contact write failed" },
    { index: 3, error: "bad id" },
  ],
} as unknown as DeliveryDetail;

const replay = (run = vi.fn()) => ({ run, pending: false, error: null, done: null });
const headerRow = (name: string) =>
  within(screen.getByRole("table", { name: "Headers kept" }))
    .getByText(name)
    .closest("tr")!;

test("kept headers are listed: values in full, signatures shortened, secrets hidden", () => {
  renderUi(<DeliveryDetails d={delivery} admin replay={replay()} />);
  expect(headerRow("content-type").textContent).toContain("application/json");
  expect(headerRow("x-webhook-signature").textContent).toBe(
    "x-webhook-signature9f86d081…shortened",
  );
  expect(headerRow("authorization").textContent).toBe("authorizationhidden");
});

test("the items that failed are listed under the dead letter", () => {
  renderUi(<DeliveryDetails d={delivery} admin replay={replay()} />);
  const items = screen.getByRole("table", { name: "Failed items" });
  expect(within(items).getByText("Item 3").closest("tr")!.textContent).toBe("Item 3bad id");
  expect(screen.getByText("Dead letter: item_failed")).toBeTruthy();
});

test("an admin replays from the drawer; a member sees Replay disabled", () => {
  const run = vi.fn();
  const { unmount } = renderUi(<DeliveryDetails d={delivery} admin replay={replay(run)} />);
  fireEvent.click(screen.getByRole("button", { name: "Replay" }));
  expect(run).toHaveBeenCalledOnce();
  unmount();
  renderUi(<DeliveryDetails d={delivery} admin={false} replay={replay()} />);
  expect(screen.getByRole("button", { name: "Replay" })).toHaveProperty("disabled", true);
});

test("a delivery without kept headers says so", () => {
  renderUi(<DeliveryDetails d={{ ...delivery, headers: [] }} admin replay={replay()} />);
  expect(screen.getByText("No headers were kept for this delivery.")).toBeTruthy();
});

test("the presets count back from now and a custom time must be in the past", () => {
  const now = Date.UTC(2025, 9, 28, 12);
  expect(replaySince("1h", "", now)).toBe(now - 3_600_000);
  expect(replaySince("7d", "", now)).toBe(now - 7 * 86_400_000);
  expect(replaySince("custom", "", now)).toBeNull();
  expect(replaySince("custom", "2999-01-01T00:00", now)).toBeNull();
  expect(replaySince("custom", "2025-10-01T08:00", now)).toBe(
    new Date("2025-10-01T08:00").getTime(),
  );
});

test("a running bulk replay shows what it found and what became of it", () => {
  renderUi(
    <ReplayProgress
      job={{
        _id: "deliveryReplayJobs:1" as never,
        since: 0,
        until: 1,
        status: "running",
        batches: 1,
        progress: { found: 30, resolved: 20, stillFailed: 4, skipped: 1, errors: 0 },
        startedAt: 0,
        updatedAt: 0,
      }}
    />,
  );
  const status = screen.getByTestId("bulk-replay-progress");
  expect(status.textContent).toContain(
    "30 found: 20 resolved, 4 still failing, 1 without a kept body",
  );
  expect(screen.getByLabelText("Replay progress")).toBeTruthy();
});
