/**
 * The inbox filters live in the URL (`?owner=needs_human&number=…&window=open&q=ana`), so a
 * filtered view can be linked, bookmarked and restored with the back button.
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
    q: params.get("q") ?? "",
  };
  const update = useCallback(
    (patch: Partial<InboxFilters>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(patch)) {
            if (value === null || value === "" || value === "all") next.delete(key);
            else next.set(key, String(value));
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

export function matchesFilters(
  thread: ThreadView,
  filters: InboxFilters,
  needsHuman: Set<string>,
  now: number,
): boolean {
  const own = thread.owner === "ai" ? "ai" : needsHuman.has(thread._id) ? "needs_human" : "human";
  if (filters.owner !== "all" && own !== filters.owner) return false;
  if (filters.number !== null && thread.connectionId !== filters.number) return false;
  const open = windowRemaining(thread.channelParams.lastInboundAt, now) > 0;
  if (filters.window === "open" && !open) return false;
  if (filters.window === "closed" && open) return false;
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
