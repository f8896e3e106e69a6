/**
 * What the agent did for one reply: the routing decision, the tools it called (arguments and
 * results), tokens, cost, latency and any error, from the run record.
 */
import {
  ActionIcon,
  Badge,
  Code,
  Group,
  Popover,
  ScrollArea,
  Stack,
  Table,
  Text,
} from "@mantine/core";
import { IconListDetails } from "@tabler/icons-react";
import { formatUsd } from "../lib/format";
import type { RunView } from "./types";

function Figures({ run }: { run: RunView }) {
  const rows: [string, string][] = [
    ["Outcome", run.outcome],
    ["Decision", run.decision?.reason ?? "—"],
    ["Tokens", `${run.tokensIn} in / ${run.tokensOut} out`],
    ["Cost", formatUsd(run.costUsd)],
    ["Latency", run.latencyMs !== undefined ? `${run.latencyMs} ms` : "—"],
    ["Prompt", `${run.promptChars} characters`],
  ];
  return (
    <Table withRowBorders={false} verticalSpacing={2}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={90}>
              <Text size="xs" c="dimmed">
                {k}
              </Text>
            </Table.Th>
            <Table.Td>
              <Text size="xs">{v}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function RunPanel({ run }: { run: RunView }) {
  return (
    <Stack gap="xs">
      <Figures run={run} />
      {run.error && (
        <Text size="xs" c="red">
          {run.error}
        </Text>
      )}
      {run.note && (
        <Text size="xs" c="dimmed">
          {run.note}
        </Text>
      )}
      {run.usedFallback && (
        <Badge color="orange" size="xs">
          Fallback reply sent
        </Badge>
      )}
      <Text size="xs" fw={600}>
        Tools called ({run.toolCalls.length})
      </Text>
      <ScrollArea.Autosize mah={220}>
        <Stack gap={6}>
          {run.toolCalls.map((call, i) => (
            <Stack key={i} gap={2}>
              <Group gap={4}>
                <Badge size="xs" color={call.ok ? "teal" : "red"} variant="light">
                  {call.ok ? "ok" : "failed"}
                </Badge>
                <Text size="xs" ff="monospace">
                  {call.name}
                </Text>
              </Group>
              <Code block fz={10}>
                {call.arguments}
              </Code>
              <Code block fz={10}>
                {call.result}
              </Code>
            </Stack>
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  );
}

export function RunDetails({ run }: { run: RunView }) {
  return (
    <Popover width={360} position="bottom-end" shadow="md" withArrow>
      <Popover.Target>
        <ActionIcon size="xs" variant="subtle" color="gray" aria-label="Run details">
          <IconListDetails size={14} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <RunPanel run={run} />
      </Popover.Dropdown>
    </Popover>
  );
}
