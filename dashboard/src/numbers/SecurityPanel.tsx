/**
 * A number's credentials, write-only: Kapso numbers rotate their webhook signing secret (older
 * secrets keep verifying for a day); Meta-direct numbers show their app and replace the token.
 */
import { Button, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { formatTime } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { ActionResult } from "../ui/States";
import { MetaWebhookPanel } from "./MetaWebhookPanel";
import type { ConnectionView } from "./types";
import type { NumbersData } from "./useNumbersData";

function KapsoSecrets({ data, connection: c }: { data: NumbersData; connection: ConnectionView }) {
  const rotate = useMutation(api.whatsapp.connections.rotateSecret);
  const admin = useIsAdmin();
  const [result, setResult] = useState<string | null>(null);
  return (
    <Stack gap="xs">
      <Text size="sm">{c.activeWebhookSecrets} webhook signing secret(s) accepted right now.</Text>
      <Group>
        <ConfirmButton
          variant="default"
          color="orange"
          disabled={!admin}
          title="Rotate the webhook secret?"
          message="A new secret is created and sent to Kapso. The current one keeps verifying deliveries until Kapso has the new one, then for 24 hours more."
          confirmLabel="Rotate secret"
          onConfirm={async () => {
            const r = await rotate({ environment: data.environment, connectionId: c._id });
            setResult(
              `Rotated: ${r.activeSecrets} secrets accepted; the previous ones expire ${r.previousExpireAt !== undefined ? formatTime(r.previousExpireAt) : "24 hours after Kapso confirms the new one"}.`,
            );
          }}
        >
          Rotate secret
        </ConfirmButton>
      </Group>
      <ActionResult error={null} done={result} />
    </Stack>
  );
}

function MetaCredentials({
  data,
  connection: c,
}: {
  data: NumbersData;
  connection: ConnectionView;
}) {
  const updateToken = useMutation(api.whatsapp.connections.updateMetaAccessToken);
  const admin = useIsAdmin();
  const [token, setToken] = useState("");
  const { run, pending, error, done } = useRun();
  return (
    <Stack gap="xs">
      <Text size="sm">
        App {c.meta?.appId} · WhatsApp Business Account {c.meta?.businessAccountId} · Graph API{" "}
        {c.meta?.graphApiVersion}
      </Text>
      <MetaWebhookPanel connectionId={c._id} />
      <PasswordInput
        label="New access token"
        description="Replaces the stored token; it is never shown again."
        value={token}
        onChange={(e) => setToken(e.currentTarget.value)}
      />
      <Group justify="flex-end">
        <Button
          variant="default"
          disabled={!admin || token.trim() === ""}
          loading={pending}
          onClick={() =>
            void run(async () => {
              await updateToken({
                environment: data.environment,
                connectionId: c._id,
                accessToken: token,
              });
              setToken("");
            }, "Access token replaced.")
          }
        >
          Replace token
        </Button>
      </Group>
      <ActionResult error={error} done={done} />
    </Stack>
  );
}

export function SecurityPanel(props: { data: NumbersData; connection: ConnectionView }) {
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Credentials
        </Title>
        {props.connection.provider === "kapso" ? (
          <KapsoSecrets {...props} />
        ) : (
          <MetaCredentials {...props} />
        )}
      </Stack>
    </Paper>
  );
}
