/** Disconnect a number (it stops being answered; it can be set up again) or reconnect it. */
import { Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "convex/react";
import { api } from "../../../convex/_generated/api";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { ActionResult } from "../ui/States";
import type { ConnectionView } from "./types";
import type { NumbersData } from "./useNumbersData";

export function DangerZone({
  data,
  connection: c,
}: {
  data: NumbersData;
  connection: ConnectionView;
}) {
  const disconnect = useMutation(api.whatsapp.connections.disconnect);
  const setup = useMutation(api.whatsapp.connections.setup);
  const admin = useIsAdmin();
  const { run, pending, error } = useRun();
  return (
    <Paper withBorder p="md" style={{ borderColor: "var(--mantine-color-red-4)" }}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          Connection
        </Title>
        {c.status !== "disconnected" ? (
          <Group justify="space-between">
            <Text size="sm">
              Disconnecting stops answering this number. Conversations stay in the inbox.
            </Text>
            <ConfirmButton
              color="red"
              disabled={!admin}
              title={`Disconnect ${c.label}?`}
              message={`Messages to ${c.phoneNumber ?? "this number"} will no longer be answered or routed. You can set it up again later.`}
              confirmLabel="Disconnect"
              onConfirm={() => disconnect({ environment: data.environment, connectionId: c._id })}
            >
              Disconnect
            </ConfirmButton>
          </Group>
        ) : c.provider === "kapso" ? (
          <Group justify="space-between">
            <Text size="sm">This number is disconnected. A new setup link reconnects it.</Text>
            <Button
              disabled={!admin}
              loading={pending}
              onClick={() =>
                void run(() => setup({ environment: data.environment, connectionId: c._id }))
              }
            >
              Set up again
            </Button>
          </Group>
        ) : (
          <Text size="sm">
            This number is disconnected. Connect it again with Meta's credentials.
          </Text>
        )}
        <ActionResult error={error} />
      </Stack>
    </Paper>
  );
}
