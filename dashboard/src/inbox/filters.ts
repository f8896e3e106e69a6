/**
 * The inbox filters live in the URL (`?owner=needs_human&number=…&window=open&unread=1&q=ana`),
 * so a filtered view can be linked, bookmarked and restored with the back button.
 */
import { useCallback } from "react";
import { useSearchParams } from "react-router";
import type { Ownership } from "./threadState";
import { windowRemaining } from "./threadState";
import type { ThreadView } from "./types";

export type InboxFilters = {
  owner: Ownership | "all";
  number: string | null;
  window: "all" | "open" | "closed";
  /** Only threads with customer messages no teammate has opened yet (`unread=1`). */
  unread: boolean;
  q: string;
};

export function useInboxFilters(): [InboxFilters, (patch: Partial<InboxFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const owner = params.get("owner");
  const win = params.get("window");
  const filters: InboxFilters = {
    owner: owner === "ai" || owner === "needs_human" || owner === "human" ? owner : "all",
    number: params.get("number"),
    window: win === "open" || win === "closed" ? win : "all",
    unread: params.get("unread") === "1",
    q: params.get("q") ?? "",
  };
  const update = useCallback(
    (patch: Partial<InboxFilters>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(patch)) {
            if (value === true) next.set(key, "1");
            else if (value === null || value === false || value === "" || value === "all") {
              next.delete(key);
            } else next.set(key, String(value));
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [filters, update];
}

/** The filters on a thread's changing state: owner, 24-hour window, unread. */
function matchesState(
  thread: ThreadView,
  filters: InboxFilters,
  needsHuman: Set<string>,
  now: number,
): boolean {
  const own = thread.owner === "ai" ? "ai" : needsHuman.has(thread._id) ? "needs_human" : "human";
  if (filters.owner !== "all" && own !== filters.owner) return false;
  const open = windowRemaining(thread.channelParams.lastInboundAt, now) > 0;
  if (filters.window === "open" && !open) return false;
  if (filters.window === "closed" && open) return false;
  if (filters.unread && (thread.unreadCount ?? 0) === 0) return false;
  return true;
}

/** Whether a thread shows in the list; `selectedId` is the conversation open on the right. */
export function matchesFilters(
  thread: ThreadView,
  filters: InboxFilters,
  needsHuman: Set<string>,
  now: number,
  selectedId?: string,
): boolean {
  if (filters.number !== null && thread.connectionId !== filters.number) return false;
  // The open conversation's own state changes while the operator works on it: opening it
  // clears its unread count, taking it over moves it from "Needs human" to "Human", its 24-hour
  // window closes. Under those filters it would vanish from the list at once, losing the
  // operator's place and j/k's position, so (as in other inboxes) it stays listed until another
  // one is opened. The number and the search are the operator's own choice and still apply.
  if (thread._id !== selectedId && !matchesState(thread, filters, needsHuman, now)) return false;
  const q = filters.q.trim().toLowerCase();
  if (q !== "") {
    const { contactName, phoneNumber } = thread.channelParams;
    const hay = `${contactName ?? ""} ${phoneNumber ?? ""} ${thread.lastMessage?.preview ?? ""}`;
    if (!hay.toLowerCase().includes(q)) return false;
  }
  return true;
}

/** Keeps the filters when moving between threads. */
export function useThreadHref() {
  const [params] = useSearchParams();
  return useCallback(
    (base: string) => (params.size > 0 ? `${base}?${params.toString()}` : base),
    [params],
  );
}
