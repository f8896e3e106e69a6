// @vitest-environment jsdom
/**
 * A conversation in the inbox list shows what the thread itself carries — who wrote last and a
 * preview, the team's unread count — without a query of its own (rendered here with no Convex
 * client at all); a thread without a preview yet still renders.
 */
import { screen } from "@testing-library/react";
import { expect, test } from "vitest";
import { ThreadRow } from "../../dashboard/src/inbox/ThreadRow";
import type { ThreadView } from "../../dashboard/src/inbox/types";
import { renderUi } from "./render";
import { threadView } from "./threadViews";

const NOW = 1_800_000_000_000;

function thread(overrides: Partial<ThreadView>): ThreadView {
  return threadView(NOW, "threads:1", "Dana", overrides);
}

function renderRow(t: ThreadView) {
  renderUi(
    <ThreadRow
      thread={t}
      ownership={t.owner === "ai" ? "ai" : "human"}
      numberLabel="Support line"
      selected={false}
      href="/development/inbox/threads:1"
      now={NOW}
    />,
  );
}

test("the row shows who wrote last, the preview and the unread count", () => {
  renderRow(
    thread({
      lastMessage: { direction: "outbound", role: "assistant", preview: "On its way!", at: NOW },
      unreadCount: 3,
    }),
  );
  expect(screen.getByTestId("thread-preview").textContent).toBe("AI: On its way!");
  expect(screen.getByLabelText("3 unread").textContent).toBe("3");
});

test("a customer's message has no prefix, and more than 99 unread shows 99+", () => {
  renderRow(
    thread({
      lastMessage: { direction: "inbound", role: "user", preview: "Voice message", at: NOW },
      unreadCount: 120,
    }),
  );
  expect(screen.getByTestId("thread-preview").textContent).toBe("Voice message");
  expect(screen.getByLabelText("120 unread").textContent).toBe("99+");
});

test("a thread without a preview or unread count still renders, with no badge", () => {
  renderRow(thread({}));
  expect(screen.getByTestId("thread-preview").textContent).toBe("No messages yet");
  expect(screen.queryByLabelText(/unread/)).toBeNull();
  expect(screen.getByText("Dana")).toBeTruthy();
});
