/**
 * Who answers a thread and what the composer lets a teammate do, as pure functions of the
 * thread, the clock and the latest messages (so the rules are tested without a browser).
 * The 24-hour customer-service window opens at the customer's last message.
 */
import type { MessageView, ThreadView } from "./types";

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** AI handling; needs a human (handed off, nobody has picked it up); a human owns it. */
export type Ownership = "ai" | "needs_human" | "human";

export function ownership(thread: Pick<ThreadView, "owner">, needsHuman: boolean): Ownership {
  if (thread.owner === "ai") return "ai";
  return needsHuman ? "needs_human" : "human";
}

export const OWNERSHIP_LABEL: Record<Ownership, string> = {
  ai: "AI handling",
  needs_human: "Needs human",
  human: "Human",
};

export const OWNERSHIP_COLOR: Record<Ownership, string> = {
  ai: "violet",
  needs_human: "red",
  human: "teal",
};

/** Time left in the customer-service window; 0 when closed or never opened. */
export function windowRemaining(lastInboundAt: number | undefined, now: number): number {
  if (lastInboundAt === undefined) return 0;
  return Math.max(0, lastInboundAt + WINDOW_MS - now);
}

export type ComposerMode =
  /** The AI answers: read-only, with Take over. */
  | "ai"
  /** A human owns it and the window is open: free text, Release. */
  | "human"
  /** The window is closed: only an approved template may be sent. */
  | "window_closed";

export function composerMode(
  thread: Pick<ThreadView, "owner" | "channelParams">,
  now: number,
): ComposerMode {
  if (thread.owner === "ai") return "ai";
  return windowRemaining(thread.channelParams.lastInboundAt, now) > 0 ? "human" : "window_closed";
}

/** The newest outbound message, if it failed: the composer shows its reason in a banner. */
export function latestFailure(newestFirst: MessageView[]): MessageView | null {
  const latest = newestFirst.find((m) => m.channelData.direction === "outbound");
  return latest && latest.channelData.status === "failed" ? latest : null;
}
