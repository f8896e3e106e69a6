/**
 * One webhook delivery (`/:env/activity/deliveries/:deliveryId`): verdict, what it carried,
 * why it was dead-lettered, its replays, and Replay once the cause is fixed.
 */
import { Alert, Badge, Button, Drawer, Stack, Table, Text } from "@mantine/core";
import { useMutation } from "convex/react";
import { useState } from "react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

export type Delivery = FunctionReturnType<typeof api.whatsapp.deliveries.list>[number];

function Facts({ d, numberLabel }: { d: Delivery; numberLabel: string }) {
  const rows: [string, string][] = [
    ["Received", formatTime(d.receivedAt)],
    ["Source", d.source],
    ["Event", d.eventType ?? "—"],
    ["Number", numberLabel || "—"],
    ["Verdict", d.verdict],
    ["Messages", `${d.counts.messages} new, ${d.counts.duplicates} duplicates`],
    ["Statuses", String(d.counts.statuses)],
    ["Ignored", String(d.counts.ignored)],
    ["Replays", String(d.replays)],
    ["Resolved", d.resolvedAt ? formatTime(d.resolvedAt) : "—"],
  ];
  return (
    <Table withRowBorders={false} verticalSpacing={4}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={110}>
              <Text size="sm" c="dimmed">
                {k}
              </Text>
            </Table.Th>
            <Table.Td>
              <Text size="sm">{v}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

type Props = { delivery: Delivery | undefined; numberLabel: string; onClose: () => void };

export function DeliveryDrawer({ delivery: listed, numberLabel, onClose }: Props) {
  const [replayed, setReplayed] = useState<Delivery | null>(null);
  // After a replay, show the delivery as the replay left it.
  const delivery = replayed !== null && replayed._id === listed?._id ? replayed : listed;
  const environment = useEnvironment();
  const replay = useMutation(api.whatsapp.deliveries.replay);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  return (
    <Drawer
      opened={delivery !== undefined}
      onClose={onClose}
      position="right"
      size="md"
      title="Webhook delivery"
    >
      {delivery && (
        <Stack>
          <Badge color={delivery.failed ? "red" : "teal"} w="fit-content">
            {delivery.failed ? "Needs attention" : "OK"}
          </Badge>
          <Facts d={delivery} numberLabel={numberLabel} />
          {delivery.deadLetter && (
            <Alert color="red" title={`Dead letter: ${delivery.deadLetter.reason}`}>
              {delivery.deadLetter.detail ?? "No detail."}
            </Alert>
          )}
          {delivery.replayable ? (
            <Button
              disabled={!admin}
              loading={pending}
              onClick={() =>
                void run(
                  async () => setReplayed(await replay({ environment, deliveryId: delivery._id })),
                  "Replayed: stored messages stay deduplicated.",
                )
              }
            >
              Replay
            </Button>
          ) : (
            <Text size="sm" c="dimmed">
              This delivery's body was not kept (or it was never verified), so it cannot be
              replayed.
            </Text>
          )}
          <ActionResult error={error} done={done} />
        </Stack>
      )}
    </Drawer>
  );
}
