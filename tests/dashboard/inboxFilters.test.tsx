// @vitest-environment jsdom
/**
 * The inbox's "Unread" filter: a labelled toggle that narrows the list to threads with unread
 * customer messages, kept in the URL (`unread=1`) with the other filters, with its own empty
 * state; the open conversation stays listed when its own state (unread, owner) changes.
 */
import { act, fireEvent, screen, within } from "@testing-library/react";
import { useSyncExternalStore } from "react";
import { Navigate, Route, Routes, useLocation, useParams } from "react-router";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { useThreadHref } from "../../dashboard/src/inbox/filters";
import { ThreadList } from "../../dashboard/src/inbox/ThreadList";
import { useInboxData } from "../../dashboard/src/inbox/useInboxData";
import { renderUi } from "./render";
import { threadView } from "./threadViews";

const NOW = 1_800_000_000_000;

/** The loaded threads, as the live paginated query would deliver them; `set` pushes an update. */
const live = vi.hoisted(() => {
  let threads: unknown[] = [];
  const listeners = new Set<() => void>();
  return {
    get: () => threads,
    set(next: unknown[]) {
      threads = next;
      listeners.forEach((l) => l());
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
});

vi.mock("convex/react", () => ({
  usePaginatedQuery: () => ({
    results: useSyncExternalStore(live.subscribe, live.get),
    status: "Exhausted",
    loadMore: () => {},
  }),
  // No handoff alerts and no numbers: the list falls back to empty ones.
  useQuery: () => undefined,
}));

const ana = threadView(NOW, "t1", "Ana", { unreadCount: 2 });
const ben = threadView(NOW, "t2", "Ben");
const cleo = threadView(NOW, "t3", "Cleo", { unreadCount: 1, owner: "human" });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  live.set([ana, ben, cleo]);
});

afterEach(() => {
  vi.useRealTimers();
});

function Inbox() {
  const { threadId } = useParams();
  const data = useInboxData();
  const withFilters = useThreadHref();
  const location = useLocation();
  return (
    <>
      <ThreadList
        data={data}
        selectedId={threadId}
        hrefFor={(id) => withFilters(`/development/inbox/${id}`)}
      />
      <output data-testid="url">{`${location.pathname}${location.search}`}</output>
    </>
  );
}

/** Opens the inbox at `url`, as if loaded from a link or bookmark. */
function openInbox(url: string) {
  renderUi(
    <Routes>
      <Route path="test" element={<Navigate replace to={url} />} />
      <Route path="inbox/:threadId?" element={<Inbox />} />
    </Routes>,
  );
}

function listedNames(): string[] {
  const list = screen.queryByRole("list", { name: "Conversations" });
  if (list === null) return [];
  return within(list)
    .getAllByRole("listitem")
    .map((item) => item.querySelector("[data-thread-row] p")?.textContent ?? "");
}

const unreadToggle = () => screen.getByRole("checkbox", { name: "Unread" });
const url = () => screen.getByTestId("url").textContent;

test("the Unread toggle narrows the list to unread threads and writes unread=1 to the URL", () => {
  openInbox("/development/inbox");
  expect(listedNames()).toEqual(["Ana", "Ben", "Cleo"]);
  expect((unreadToggle() as HTMLInputElement).checked).toBe(false);

  fireEvent.click(unreadToggle());

  expect(listedNames()).toEqual(["Ana", "Cleo"]);
  expect(url()).toBe("/development/inbox?unread=1");
});

test("loading the inbox with ?unread=1 restores the Unread filter", () => {
  openInbox("/development/inbox?unread=1");
  expect((unreadToggle() as HTMLInputElement).checked).toBe(true);
  expect(listedNames()).toEqual(["Ana", "Cleo"]);
});

test("switching Unread off shows every thread again and removes unread from the URL", () => {
  openInbox("/development/inbox?unread=1");
  fireEvent.click(unreadToggle());
  expect(listedNames()).toEqual(["Ana", "Ben", "Cleo"]);
  expect(url()).toBe("/development/inbox");
});

test("Unread combines with the other filters", () => {
  openInbox("/development/inbox?unread=1&owner=human");
  expect(listedNames()).toEqual(["Cleo"]);
});

test("when no unread thread matches, the empty state says so", () => {
  live.set([ben]);
  openInbox("/development/inbox?unread=1");
  expect(listedNames()).toEqual([]);
  expect(screen.getByText("No unread conversation matches these filters.")).toBeTruthy();
});

test("the open thread stays listed under Unread after opening it clears its count", () => {
  openInbox("/development/inbox?unread=1");
  fireEvent.click(screen.getByText("Ana"));
  expect(url()).toBe("/development/inbox/t1?unread=1");

  // Opening the conversation marks it seen: the live list now carries a count of 0.
  act(() => live.set([{ ...ana, unreadCount: 0 }, ben, cleo]));
  expect(listedNames()).toEqual(["Ana", "Cleo"]);

  // Once another conversation is opened, the read one leaves the list.
  fireEvent.click(screen.getByText("Cleo"));
  expect(listedNames()).toEqual(["Cleo"]);
});

test("a conversation taken over while open stays listed under the AI owner filter", () => {
  openInbox("/development/inbox/t1?owner=ai");
  expect(listedNames()).toEqual(["Ana", "Ben"]);

  act(() => live.set([{ ...ana, owner: "human" }, ben, cleo]));
  expect(listedNames()).toEqual(["Ana", "Ben"]);
});

test("the search still hides the open conversation when it does not match", () => {
  openInbox("/development/inbox/t1?q=ben");
  expect(listedNames()).toEqual(["Ben"]);
});
