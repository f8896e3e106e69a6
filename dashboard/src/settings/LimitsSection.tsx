/**
 * Settings → Limits: each per-tenant limit of agent turns and model tokens with how much of it
 * the environment uses now (a bar that refills as the minutes pass) and what happens when it is
 * reached. The numbers come from the rate limiter's stored state, read without consuming it.
 */
import { Alert, Group, Paper, Progress, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useNow } from "../lib/useNow";
import { ListSkeleton } from "../ui/States";

export type LimitUsage = FunctionReturnType<typeof api.agents.tenantLimits.usage>[number];

/** What is used at `now`: the measured use, less what refilled since it was measured. */
export function usedAt(limit: LimitUsage, now: number): number {
  const refilled = (Math.max(0, now - limit.measuredAt) * limit.refillPerMinute) / 60_000;
  return Math.max(0, limit.used - refilled);
}

const format = (n: number) => Math.round(n).toLocaleString("en-US");

function LimitCard({ limit, now }: { limit: LimitUsage; now: number }) {
  const used = usedAt(limit, now);
  const percent = limit.capacity > 0 ? Math.min(100, (used / limit.capacity) * 100) : 0;
  const reached = used >= limit.capacity;
  return (
    <Paper withBorder p="md" data-testid={`limit-${limit.limit}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            {limit.label}
          </Title>
          <Text size="sm" c={reached ? "red" : undefined}>
            {format(used)} of {format(limit.capacity)} {limit.unit} used
          </Text>
        </Group>
        <Progress
          value={percent}
          color={reached ? "red" : percent >= 80 ? "orange" : "teal"}
          aria-label={`${limit.label}: ${Math.round(percent)}% used`}
        />
        <Text size="xs" c="dimmed">
          Up to {format(limit.capacity)} {limit.unit} at once, refilling at{" "}
          {format(limit.refillPerMinute)} per minute.
        </Text>
        {reached ? (
          <Alert color="red" py="xs" title="Limit reached">
            {limit.whenReached}
          </Alert>
        ) : (
          <Text size="xs">When reached: {limit.whenReached}</Text>
        )}
      </Stack>
    </Paper>
  );
}

export function LimitsView({ usage, now }: { usage: LimitUsage[]; now: number }) {
  return (
    <Stack maw={760}>
      <Text size="sm" c="dimmed">
        Each organization has its own limits in each environment, so one busy tenant never slows
        another. They are set for the deployment (TENANT_TURNS_PER_MINUTE, TENANT_TURN_BURST,
        TENANT_MODEL_TOKENS_PER_MINUTE).
      </Text>
      {usage.map((limit) => (
        <LimitCard key={limit.limit} limit={limit} now={now} />
      ))}
    </Stack>
  );
}

export function LimitsSection() {
  const environment = useEnvironment();
  const usage = useQuery(api.agents.tenantLimits.usage, { environment });
  const now = useNow(1_000);
  if (usage === undefined) return <ListSkeleton rows={2} height={120} />;
  return <LimitsView usage={usage} now={now} />;
}
