/**
 * What this teammate has read, per thread, kept in this browser (the backend has no per-user
 * read marker yet): a thread's unread count is its customer messages newer than the last visit.
 */
import { useSyncExternalStore } from "react";

const PREFIX = "switchboard:seen:";
const listeners = new Set<() => void>();

function read(threadId: string): number {
  try {
    return Number(localStorage.getItem(PREFIX + threadId) ?? 0) || 0;
  } catch {
    return 0;
  }
}

export function markSeen(threadId: string, at: number) {
  if (read(threadId) >= at) return;
  try {
    localStorage.setItem(PREFIX + threadId, String(at));
  } catch {
    // Private mode or full storage: unread counts simply stay.
  }
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

export function useSeenAt(threadId: string): number {
  return useSyncExternalStore(
    subscribe,
    () => read(threadId),
    () => 0,
  );
}
