/**
 * Analytics of the environment, or of one number, over 7, 14 or 30 days: volume, delivery,
 * first-reply time (AI and humans apart), handoffs, tokens and cost. Every figure says what it
 * is a share of; a capped answer says so.
 */
import "@mantine/charts/styles.css";
import { Alert, Group, SegmentedControl, Select, SimpleGrid, Stack } from "@mantine/core";
import { PageHeader } from "../ui/PageHeader";
import { ListSkeleton } from "../ui/States";
import { ConversationCharts } from "./ConversationCharts";
import { latency, ofText, share } from "./figures";
import { StatCard } from "./StatCard";
import { UsageCharts } from "./UsageCharts";
import { useAnalytics, type Analytics } from "./useAnalytics";
import { formatUsd } from "../lib/format";

function Cards({ a }: { a: Analytics }) {
  const c = a.conversations!;
  const u = a.usage!;
  return (
    <SimpleGrid cols={{ base: 2, md: 3, xl: 6 }}>
      <StatCard
        label="Conversations"
        value={c.totals.conversations.toLocaleString()}
        detail={`${c.totals.inbound.toLocaleString()} customer messages`}
        help="Conversations with at least one customer message in the range."
      />
      <StatCard
        label="Replies"
        value={(c.totals.outboundAi + c.totals.outboundHuman).toLocaleString()}
        detail={`${c.totals.outboundAi} AI · ${c.totals.outboundHuman} human`}
        help="Messages sent by the AI and by teammates."
      />
      <StatCard
        label="Read"
        value={share(c.funnel.read)}
        detail={ofText(c.funnel.read, "outbound")}
        help="Outbound messages that reached read, over all outbound messages created in the range."
      />
      <StatCard
        label="AI first reply"
        value={latency(c.firstReply.ai.medianMs)}
        detail={`median of ${c.firstReply.ai.answered} waits`}
        help="Time from a customer's message to the AI's first reply; waits a human answered are not counted."
      />
      <StatCard
        label="Handoff rate"
        value={share(c.handoff.rate)}
        detail={ofText(c.handoff.rate, "AI conversations")}
        help="Conversations handed to a person, over conversations the AI was answering."
      />
      <StatCard
        label="Cost"
        value={formatUsd(u.totals.costUsd)}
        detail={`${(u.totals.tokensIn + u.totals.tokensOut).toLocaleString()} tokens, ${u.totals.runs} runs`}
        help="Estimated model cost of the agent runs in the range."
      />
    </SimpleGrid>
  );
}

export function AnalyticsPage() {
  const a = useAnalytics();
  const agentName = (id: string | null) =>
    id ? (a.agents.find((x) => x._id === id)?.name ?? "(deleted agent)") : "No agent";
  const capped =
    (a.conversations && !a.conversations.scope.complete) || (a.usage && !a.usage.scope.complete);
  return (
    <>
      <PageHeader
        title="Analytics"
        description="Each figure states what it counts. Days follow your browser's time zone."
        actions={
          <Group gap="xs">
            <Select
              aria-label="Number"
              placeholder="All numbers"
              clearable
              value={a.number}
              onChange={(v) => a.set("number", v)}
              data={a.connections.map((c) => ({ value: c._id, label: c.label }))}
            />
            <SegmentedControl
              aria-label="Range"
              value={String(a.days)}
              onChange={(v) => a.set("days", v)}
              data={[
                { value: "7", label: "7 days" },
                { value: "14", label: "14 days" },
                { value: "30", label: "30 days" },
              ]}
            />
          </Group>
        }
      />
      {a.conversations === undefined || a.usage === undefined ? (
        <ListSkeleton rows={4} height={200} />
      ) : (
        <Stack>
          {capped && (
            <Alert color="yellow">
              This range has more activity than one query reads: the figures cover the newest{" "}
              {a.conversations.scope.limits.threads} conversations and {a.usage.scope.limit} runs.
            </Alert>
          )}
          <Cards a={a} />
          <ConversationCharts data={a.conversations} />
          <UsageCharts data={a.usage} agentName={agentName} />
        </Stack>
      )}
    </>
  );
}
