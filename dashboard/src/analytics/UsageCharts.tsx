/** Tokens and estimated cost per day, and per agent, out of the agent runs in the range. */
import { AreaChart } from "@mantine/charts";
import { Paper, SimpleGrid, Table, Text, Title } from "@mantine/core";
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import { formatUsd } from "../lib/format";
import { dayLabel } from "./figures";

type Usage = FunctionReturnType<typeof api.console.analytics.usage>;

export function UsageCharts({
  data,
  agentName,
}: {
  data: Usage;
  agentName: (id: string | null) => string;
}) {
  const daily = data.daily.map((d) => ({
    ...d,
    label: dayLabel(d.day),
    tokens: d.tokensIn + d.tokensOut,
  }));
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Paper withBorder p="md">
        <Title order={2} size="h5">
          Tokens and cost per day
        </Title>
        <Text size="xs" c="dimmed" mb="sm">
          {data.totals.runs.toLocaleString()} agent runs, {data.totals.modelRuns.toLocaleString()}{" "}
          of them called the model. Cost is estimated from the model's list price.
        </Text>
        <AreaChart
          h={240}
          data={daily}
          dataKey="label"
          withLegend
          withRightYAxis
          series={[
            { name: "tokens", label: "Tokens", color: "indigo.6" },
            { name: "costUsd", label: "Cost (USD)", color: "orange.6", yAxisId: "right" },
          ]}
        />
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h5">
          By agent
        </Title>
        <Text size="xs" c="dimmed" mb="sm">
          Runs, tokens and cost of each agent in the range.
        </Text>
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Agent</Table.Th>
              <Table.Th>Runs</Table.Th>
              <Table.Th>Tokens</Table.Th>
              <Table.Th>Cost</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.byAgent.map((a) => (
              <Table.Tr key={a.agentId ?? "none"}>
                <Table.Td>
                  <Text size="sm">{agentName(a.agentId)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{a.runs}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{(a.tokensIn + a.tokensOut).toLocaleString()}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatUsd(a.costUsd)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="xs" c="dimmed" mt="sm">
          Outcomes: {data.outcomes.map((o) => `${o.outcome} ${o.count}`).join(" · ") || "none"}
        </Text>
      </Paper>
    </SimpleGrid>
  );
}
