/** The conversation's header: customer, number, who answers, and the 24-hour window countdown. */
import { Badge, Group, Stack, Text, Title, Tooltip } from "@mantine/core";
import { IconClock, IconClockOff } from "@tabler/icons-react";
import { formatDuration } from "../lib/format";
import { OWNERSHIP_COLOR, OWNERSHIP_LABEL, windowRemaining, type Ownership } from "./threadState";
import type { ThreadView } from "./types";

type Props = { thread: ThreadView; ownership: Ownership; numberLabel: string; now: number };

export function WindowBadge({
  lastInboundAt,
  now,
}: {
  lastInboundAt: number | undefined;
  now: number;
}) {
  const left = windowRemaining(lastInboundAt, now);
  if (left === 0) {
    return (
      <Tooltip label="More than 24 hours since the customer's last message: only templates can be sent.">
        <Badge
          color="gray"
          variant="outline"
          leftSection={<IconClockOff size={12} />}
          data-testid="window"
        >
          Window closed
        </Badge>
      </Tooltip>
    );
  }
  return (
    <Tooltip label="Free-form replies are allowed until 24 hours after the customer's last message.">
      <Badge
        color={left < 2 * 3600_000 ? "orange" : "teal"}
        variant="light"
        leftSection={<IconClock size={12} />}
        data-testid="window"
      >
        {formatDuration(left)} left
      </Badge>
    </Tooltip>
  );
}

export function ConversationHeader({ thread, ownership, numberLabel, now }: Props) {
  const { contactName, phoneNumber, lastInboundAt } = thread.channelParams;
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Stack gap={0}>
        <Title order={2} size="h4">
          {contactName ?? phoneNumber ?? "Customer"}
        </Title>
        <Text size="xs" c="dimmed">
          {phoneNumber} · to {numberLabel}
        </Text>
      </Stack>
      <Group gap="xs">
        <Badge color={OWNERSHIP_COLOR[ownership]} variant="filled" data-testid="owner">
          {OWNERSHIP_LABEL[ownership]}
        </Badge>
        <WindowBadge lastInboundAt={lastInboundAt} now={now} />
      </Group>
    </Group>
  );
}
