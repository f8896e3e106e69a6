/** Green while the live connection to the backend is up, red while it reconnects. */
import { ColorSwatch, Tooltip } from "@mantine/core";
import { useConvexConnectionState } from "convex/react";

export function ConnectionDot() {
  const { isWebSocketConnected, hasEverConnected } = useConvexConnectionState();
  const label = isWebSocketConnected
    ? "Live: updates arrive as they happen"
    : hasEverConnected
      ? "Reconnecting: what you see may be out of date"
      : "Connecting…";
  return (
    <Tooltip label={label}>
      <ColorSwatch
        component="span"
        role="status"
        aria-label={label}
        size={12}
        color={isWebSocketConnected ? "var(--mantine-color-teal-6)" : "var(--mantine-color-red-6)"}
        withShadow={false}
      />
    </Tooltip>
  );
}
