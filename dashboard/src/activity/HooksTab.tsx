/** Calls to the Slack, HTTP and CRM hooks: state, attempts and the last error. */
import { Badge, Table, Text } from "@mantine/core";
import { IconWebhook } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { Empty, ListSkeleton } from "../ui/States";

const STATE_COLOR = { pending: "yellow", delivered: "teal", failed: "red" } as const;

export function HooksTab() {
  const environment = useEnvironment();
  const hooks = useQuery(api.inbox.hooks.list, { environment });
  if (hooks === undefined) return <ListSkeleton />;
  if (hooks.length === 0)
    return (
      <Empty
        icon={<IconWebhook size={28} />}
        title="No hook calls yet"
        description="Handoffs and qualified leads are announced to the hooks set in Settings."
      />
    );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Hook</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Last error</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {hooks.map((h) => (
            <Table.Tr key={h._id}>
              <Table.Td>
                <Text size="sm">{formatTime(h.createdAt)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{h.hook}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{h.event}</Text>
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={STATE_COLOR[h.state]}>
                  {h.state}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{h.attempts}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="red">
                  {h.lastError ?? ""}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
