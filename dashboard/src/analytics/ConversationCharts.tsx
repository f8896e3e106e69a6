/**
 * Charts of conversations: messages per day (in, AI out, human out), the delivery funnel with
 * failures by WhatsApp code, first-reply time per day with AI and humans apart, handoffs per day.
 */
import { BarChart, BarsList, LineChart } from "@mantine/charts";
import { Paper, SimpleGrid, Table, Text, Title } from "@mantine/core";
import type { FunctionReturnType } from "convex/server";
import type { ReactNode } from "react";
import type { api } from "../../../convex/_generated/api";
import { dayLabel, ofText, share } from "./figures";

type Conversations = FunctionReturnType<typeof api.console.analytics.conversations>;

export function ChartCard({
  title,
  note,
  children,
}: {
  title: string;
  note: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h5">
        {title}
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        {note}
      </Text>
      {children}
    </Paper>
  );
}

function Funnel({ f }: { f: Conversations["funnel"] }) {
  return (
    <ChartCard
      title="Delivery funnel"
      note={`Share of the ${f.outbound.toLocaleString()} outbound messages created in the range.`}
    >
      <BarsList
        variant="filled"
        autoContrast
        barsLabel="Stage"
        valueLabel="Messages"
        data={[
          { name: `Sent ${share(f.sent)}`, value: f.sent.count, color: "blue.9" },
          { name: `Delivered ${share(f.delivered)}`, value: f.delivered.count, color: "teal.9" },
          { name: `Read ${share(f.read)}`, value: f.read.count, color: "green.9" },
          { name: `Failed ${share(f.failed)}`, value: f.failed.count, color: "red.9" },
          { name: `Pending ${share(f.pending)}`, value: f.pending.count, color: "gray.7" },
        ]}
      />
      {f.failedByCode.length > 0 && (
        <Table mt="sm" verticalSpacing={2} aria-label="Failures by WhatsApp error code">
          <Table.Tbody>
            {f.failedByCode.map((c) => (
              <Table.Tr key={c.code}>
                <Table.Td>
                  <Text size="xs">{c.code}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{c.title}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{c.count}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </ChartCard>
  );
}

const minutes = (ms: number | null) => (ms === null ? null : ms / 60000);

export function ConversationCharts({ data }: { data: Conversations }) {
  const daily = data.daily.map((d) => ({
    ...d,
    label: dayLabel(d.day),
    aiMinutes: minutes(d.aiFirstReply.medianMs),
    humanMinutes: minutes(d.humanFirstReply.medianMs),
  }));
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <ChartCard
        title="Messages per day"
        note="Customer messages in; replies out by the AI and by teammates."
      >
        <BarChart
          h={240}
          data={daily}
          dataKey="label"
          type="stacked"
          withLegend
          series={[
            { name: "inbound", label: "In", color: "blue.6" },
            { name: "outboundAi", label: "AI out", color: "violet.6" },
            { name: "outboundHuman", label: "Human out", color: "teal.6" },
          ]}
        />
      </ChartCard>
      <Funnel f={data.funnel} />
      <ChartCard
        title="First reply time (median, minutes)"
        note={`AI: ${data.firstReply.ai.answered} answered waits; humans: ${data.firstReply.human.answered}. Kept apart so AI speed does not hide human delays.`}
      >
        <LineChart
          h={240}
          data={daily}
          dataKey="label"
          withLegend
          connectNulls
          series={[
            { name: "aiMinutes", label: "AI", color: "violet.6" },
            { name: "humanMinutes", label: "Human", color: "teal.6" },
          ]}
        />
      </ChartCard>
      <ChartCard
        title="Handoffs per day"
        note={`Handoff rate ${share(data.handoff.rate)}: ${ofText(data.handoff.rate, "conversations the AI was answering")}.`}
      >
        <BarChart
          h={240}
          data={daily}
          dataKey="label"
          withLegend
          series={[
            { name: "aiConversations", label: "AI conversations", color: "gray.7" },
            { name: "handoffs", label: "Handoffs", color: "orange.6" },
          ]}
        />
      </ChartCard>
    </SimpleGrid>
  );
}
