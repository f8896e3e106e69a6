/**
 * WhatsApp in this environment: on or off (off: deliveries are still recorded, as dead
 * letters), and the default agent for connected numbers with nothing assigned.
 */
import { Group, Paper, Select, Stack, Switch, Text, Title } from "@mantine/core";
import { useMutation } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import type { NumbersData } from "./useNumbersData";

export function IntegrationCard({ data }: { data: NumbersData }) {
  const { environment, status, agents } = data;
  const enable = useMutation(api.whatsapp.connections.enable);
  const disable = useMutation(api.whatsapp.connections.disable);
  const setDefault = useMutation(api.whatsapp.connections.setDefaultAgent);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            WhatsApp in {environment}
          </Title>
          <Switch
            label={status.enabled ? "Enabled" : "Disabled"}
            checked={status.enabled}
            disabled={!admin || pending}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              void run(
                () => (on ? enable({ environment }) : disable({ environment })),
                on ? "WhatsApp enabled." : "WhatsApp disabled.",
              );
            }}
          />
        </Group>
        {!status.enabled && (
          <Text size="sm" c="dimmed">
            Enable WhatsApp to connect numbers. While disabled, incoming deliveries are recorded but
            not answered.
          </Text>
        )}
        {status.enabled && (
          <Select
            label="Default agent"
            description="Answers connected numbers that have no agent or router of their own."
            placeholder="No default agent"
            clearable
            disabled={!admin}
            value={status.defaultAgentId ?? null}
            data={agents.map((a) => ({ value: a._id, label: `${a.name} (${a.slug})` }))}
            onChange={(agentId) =>
              void run(
                () =>
                  setDefault({ environment, agentId: (agentId as Id<"agents"> | null) ?? null }),
                "Default agent saved.",
              )
            }
          />
        )}
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}
