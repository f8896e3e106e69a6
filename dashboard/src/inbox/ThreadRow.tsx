/**
 * One conversation in the list: customer, number, last message, time, unread count, owner and
 * the window state. The preview and unread count follow the thread live.
 */
import { Badge, Group, Stack, Text, UnstyledButton } from "@mantine/core";
import { IconClockOff } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { shortAgo } from "../lib/format";
import { useSeenAt } from "./seen";
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

function usePreview(thread: ThreadView) {
  const environment = useEnvironment();
  const recent = useQuery(api.inbox.threads.messages, {
    environment,
    threadId: thread._id,
    paginationOpts: { numItems: 10, cursor: null },
  });
  const seenAt = useSeenAt(thread._id);
  const page = recent?.page ?? [];
  const unread = page.filter((m) => m.channelData.direction === "inbound" && m.createdAt > seenAt);
  return {
    last: page[0],
    unread: unread.length,
    more: unread.length === page.length && !recent?.isDone,
  };
}

export function ThreadRow({ thread, ownership, numberLabel, selected, href, now }: Props) {
  const { last, unread, more } = usePreview(thread);
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
        <Text size="xs" c="dimmed" truncate>
          {last ? `${PREVIEW_PREFIX[last.role] ?? ""}${last.content}` : "…"}
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
            <Badge size="xs" circle color="red" aria-label={`${unread} unread`}>
              {more ? "9+" : unread}
            </Badge>
          )}
        </Group>
      </Stack>
    </UnstyledButton>
  );
}
