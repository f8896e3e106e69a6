/**
 * "Send test" of one hook: a sample event marked `test` goes through the real delivery (signed,
 * SSRF-checked, recorded in Activity → hooks), and the latest test's result is shown beside it.
 * One test of a hook at a time: the backend refuses another while one is being delivered.
 */
import { Anchor, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

type HookKind = "slack" | "http" | "crm";
const STATE_COLOR = { pending: "yellow", delivered: "teal", failed: "red" } as const;

function LastTest({ hook }: { hook: HookKind }) {
  const environment = useEnvironment();
  const calls = useQuery(api.inbox.hooks.list, { environment });
  const last = calls?.find((c) => c.hook === hook && c.event === "test");
  if (last === undefined) return null;
  return (
    <Group gap="xs" data-testid={`hook-test-${hook}`}>
      <Text size="xs" c="dimmed">
        Last test {formatTime(last.createdAt)}:
      </Text>
      <Badge size="sm" variant="light" color={STATE_COLOR[last.state]}>
        {last.state}
      </Badge>
      {last.lastError && (
        <Text size="xs" c="red">
          {last.lastError}
        </Text>
      )}
      <Anchor component={Link} to={`/${environment}/activity/hooks`} size="xs">
        Activity → hooks
      </Anchor>
    </Group>
  );
}

export function HookTest({ hook, configured }: { hook: HookKind; configured: boolean }) {
  const environment = useEnvironment();
  const sendTest = useMutation(api.inbox.hooks.sendTest);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  return (
    <Stack gap={4}>
      <Group gap="xs">
        <Button
          size="xs"
          variant="light"
          disabled={!admin || !configured}
          loading={pending}
          onClick={() =>
            void run(() => sendTest({ environment, hook }), "Test queued: its result shows below.")
          }
        >
          Send test
        </Button>
        {!configured && (
          <Text size="xs" c="dimmed">
            Save the hook to send a test.
          </Text>
        )}
      </Group>
      <ActionResult error={error} done={done} />
      <LastTest hook={hook} />
    </Stack>
  );
}
