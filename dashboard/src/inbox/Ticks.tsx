/**
 * Delivery ticks of an outbound message: queued 🕓, sent ✓, delivered ✓✓, read ✓✓ (blue),
 * played, failed ✕ (red) with WhatsApp's error code and title on hover and for screen readers.
 */
import { Group, Text, Tooltip, VisuallyHidden } from "@mantine/core";
import { IconCheck, IconChecks, IconClock, IconPlayerPlay, IconX } from "@tabler/icons-react";
import type { MessageView } from "./types";

const LABEL: Record<string, string> = {
  queued: "queued",
  sent: "sent",
  delivered: "delivered",
  read: "read",
  played: "played",
  failed: "failed",
};

function TickIcon({ status }: { status: string }) {
  switch (status) {
    case "queued":
      return <IconClock size={14} />;
    case "sent":
      return <IconCheck size={14} />;
    case "delivered":
      return <IconChecks size={14} />;
    case "read":
      return <IconChecks size={14} color="var(--mantine-color-blue-6)" />;
    case "played":
      return <IconPlayerPlay size={14} color="var(--mantine-color-blue-6)" />;
    case "failed":
      return <IconX size={14} color="var(--mantine-color-red-6)" />;
    default:
      return null;
  }
}

export function failureText(message: MessageView): string {
  const e = message.channelData.error;
  if (!e) return "Failed";
  return `${e.code}: ${e.title}${e.message && e.message !== e.title ? ` — ${e.message}` : ""}`;
}

export function Ticks({ message }: { message: MessageView }) {
  const { status } = message.channelData;
  if (message.channelData.direction !== "outbound") return null;
  const label =
    status === "failed" ? `failed (${failureText(message)})` : (LABEL[status] ?? status);
  return (
    <Tooltip label={label} multiline maw={320}>
      <Group gap={2} className="ticks" data-status={status} tabIndex={0} wrap="nowrap">
        <TickIcon status={status} />
        {status === "failed" && (
          <Text size="xs" c="red" component="span">
            {message.channelData.error?.code ?? "failed"}
          </Text>
        )}
        <VisuallyHidden>{label}</VisuallyHidden>
      </Group>
    </Tooltip>
  );
}
