/**
 * What the delivery drawer shows of one webhook delivery: verdict, what it carried, the items
 * that failed, the dead letter, the headers that were kept (secrets hidden and signatures
 * shortened by the backend) and Replay. Presentational: the drawer loads the delivery.
 */
import { Alert, Badge, Button, Code, Group, Stack, Table, Text, Title } from "@mantine/core";
import type { FunctionReturnType } from "convex/server";
import type { ReactNode } from "react";
import type { api } from "../../../convex/_generated/api";
import { formatTime } from "../lib/format";
import { ActionResult } from "../ui/States";

export type DeliveryDetail = NonNullable<FunctionReturnType<typeof api.whatsapp.deliveries.get>>;
type Header = DeliveryDetail["headers"][number];

function KeyValues({ rows, label }: { rows: [string, ReactNode][]; label: string }) {
  return (
    <Table withRowBorders={false} verticalSpacing={4} aria-label={label}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={170} style={{ verticalAlign: "top" }}>
              <Text size="sm" c="dimmed" style={{ wordBreak: "break-all" }}>
                {k}
              </Text>
            </Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Facts({ d }: { d: DeliveryDetail }) {
  const rows: [string, string][] = [
    ["Received", formatTime(d.receivedAt)],
    ["Source", d.source],
    ["Event", d.eventType ?? "—"],
    ["Number", d.numberLabel ?? "—"],
    ["Verdict", d.verdict],
    ["Messages", `${d.counts.messages} new, ${d.counts.duplicates} duplicates`],
    ["Statuses", String(d.counts.statuses)],
    ["Ignored", String(d.counts.ignored)],
    ["Replays", String(d.replays)],
    ["Resolved", d.resolvedAt ? formatTime(d.resolvedAt) : "—"],
  ];
  return (
    <KeyValues label="Delivery" rows={rows.map(([k, v]) => [k, <Text size="sm">{v}</Text>])} />
  );
}

function HeaderValue({ h }: { h: Header }) {
  if (h.shown === "hidden") {
    return (
      <Text size="sm" c="dimmed" fs="italic">
        hidden
      </Text>
    );
  }
  return (
    <Group gap={6} wrap="nowrap">
      <Code style={{ wordBreak: "break-all" }}>{h.value}</Code>
      {h.shown === "shortened" && (
        <Badge size="xs" variant="light" color="gray">
          shortened
        </Badge>
      )}
    </Group>
  );
}

export function DeliveryHeaders({ headers }: { headers: Header[] }) {
  return (
    <Stack gap={4}>
      <Title order={3} size="h6">
        Headers kept
      </Title>
      {headers.length === 0 ? (
        <Text size="sm" c="dimmed">
          No headers were kept for this delivery.
        </Text>
      ) : (
        <KeyValues
          label="Headers kept"
          rows={headers.map((h) => [h.name, <HeaderValue h={h} />])}
        />
      )}
      <Text size="xs" c="dimmed">
        Signatures are shortened; anything that could authenticate a request is hidden.
      </Text>
    </Stack>
  );
}

function Problems({ d }: { d: DeliveryDetail }) {
  if (!d.deadLetter) return null;
  return (
    <Alert color="red" title={`Dead letter: ${d.deadLetter.reason}`}>
      <Stack gap={4}>
        <Text size="sm">{d.deadLetter.detail ?? "No detail."}</Text>
        {d.failedItems.length > 0 && (
          <KeyValues
            label="Failed items"
            rows={d.failedItems.map((i) => [`Item ${i.index}`, <Text size="sm">{i.error}</Text>])}
          />
        )}
      </Stack>
    </Alert>
  );
}

type Props = {
  d: DeliveryDetail;
  admin: boolean;
  replay: { run: () => void; pending: boolean; error: string | null; done: string | null };
};

export function DeliveryDetails({ d, admin, replay }: Props) {
  return (
    <Stack>
      <Badge color={d.failed ? "red" : "teal"} w="fit-content">
        {d.failed ? "Needs attention" : "OK"}
      </Badge>
      <Facts d={d} />
      <Problems d={d} />
      {d.replayable ? (
        <Button disabled={!admin} loading={replay.pending} onClick={replay.run} w="fit-content">
          Replay
        </Button>
      ) : (
        <Text size="sm" c="dimmed">
          This delivery's body was not kept (or it was never verified), so it cannot be replayed.
        </Text>
      )}
      <ActionResult error={replay.error} done={replay.done} />
      <DeliveryHeaders headers={d.headers} />
    </Stack>
  );
}
