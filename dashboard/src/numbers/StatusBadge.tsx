/** A number's connection state, coloured. */
import { Badge } from "@mantine/core";
import type { ConnectionView } from "./types";

const COLOR = { connected: "teal", pending_setup: "yellow", disconnected: "gray" } as const;
const LABEL = {
  connected: "Connected",
  pending_setup: "Waiting for setup",
  disconnected: "Disconnected",
} as const;

export function StatusBadge({ status }: { status: ConnectionView["status"] }) {
  return (
    <Badge color={COLOR[status]} variant="light" data-testid="connection-status">
      {LABEL[status]}
    </Badge>
  );
}
