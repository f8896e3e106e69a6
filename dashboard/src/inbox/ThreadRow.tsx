/**
 * One conversation in the list: customer, number, last message, time, unread count, owner and
 * the window state — all read from the thread itself (the backend keeps its preview and the
 * team's unread count as messages arrive), so a row runs no query of its own.
 */
import { Badge, Group, Stack, Text, UnstyledButton } from "@mantine/core";
import { IconClockOff } from "@tabler/icons-react";
import { Link } from "react-router";
import { shortAgo } from "../lib/format";
import { OWNERSHIP_COLOR, OWNERSHIP_LABEL, windowRemaining, type Ownership } from "./threadState";
import type { ThreadView } from "./types";

/** Who wrote the last message, before its text in the list (the customer's has none). */
const PREVIEW_PREFIX: Record<string, string> = { assistant: "AI: ", human: "Teammate: " };

type Props = {
  thread: ThreadView;
  ownership: Ownership;
  numberLabel: string;
  selected: boolean;
  href: string;
  now: number;
};

/** The last message's line: who wrote it and its preview ("No messages yet" without one). */
export function previewLine(last: ThreadView["lastMessage"]): string {
  if (last === undefined) return "No messages yet";
  return `${PREVIEW_PREFIX[last.role] ?? ""}${last.preview}`;
}

export function ThreadRow({ thread, ownership, numberLabel, selected, href, now }: Props) {
  const unread = thread.unreadCount ?? 0;
  const name = thread.channelParams.contactName ?? thread.channelParams.phoneNumber ?? "Customer";
  const closed = windowRemaining(thread.channelParams.lastInboundAt, now) === 0;
  return (
    <UnstyledButton
      component={Link}
      to={href}
      aria-current={selected ? "page" : undefined}
      data-thread-row
      p="xs"
      style={{
        display: "block",
        borderRadius: "var(--mantine-radius-sm)",
        background: selected ? "var(--mantine-color-default-hover)" : undefined,
      }}
    >
      <Stack gap={2}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={unread > 0 ? 700 : 500} size="sm" truncate>
            {name}
          </Text>
          <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
            {shortAgo(thread.lastMessageAt, now)}
          </Text>
        </Group>
        <Text size="xs" c="dimmed" truncate data-testid="thread-preview">
          {previewLine(thread.lastMessage)}
        </Text>
        <Group gap={4} wrap="nowrap">
          <Badge size="xs" variant="light" color={OWNERSHIP_COLOR[ownership]}>
            {OWNERSHIP_LABEL[ownership]}
          </Badge>
          <Text size="xs" c="dimmed" truncate style={{ flex: 1 }}>
            {numberLabel}
          </Text>
          {closed && <IconClockOff size={14} aria-label="Window closed" color="gray" />}
          {unread > 0 && (
            <Badge size="xs" circle={unread < 10} color="red" aria-label={`${unread} unread`}>
              {unread > 99 ? "99+" : unread}
            </Badge>
          )}
        </Group>
      </Stack>
    </UnstyledButton>
  );
}
