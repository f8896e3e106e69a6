/**
 * What a Meta-direct number needs in Meta's App Dashboard: the callback URL and the verify token
 * (revealed on demand, admins only), the fields to subscribe, a handshake check that does what
 * Meta's "Verify and save" does, and the last delivery Meta made (proof the subscription works).
 */
import { Alert, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useAction, useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { CopyField } from "../ui/CopyField";
import { ActionResult, ListSkeleton } from "../ui/States";

type Check = FunctionReturnType<typeof api.console.metaOnboarding.checkHandshake>;

function HandshakeCheck({ connectionId }: { connectionId: Id<"whatsappConnections"> }) {
  const environment = useEnvironment();
  const check = useAction(api.console.metaOnboarding.checkHandshake);
  const [result, setResult] = useState<Check | null>(null);
  const { run, pending, error } = useRun();
  return (
    <Stack gap="xs">
      <Group>
        <Button
          variant="default"
          loading={pending}
          onClick={() =>
            void run(async () => setResult(await check({ environment, connectionId })))
          }
        >
          Check the handshake
        </Button>
      </Group>
      {result && (
        <Alert
          color={result.ok ? "teal" : "red"}
          py="xs"
          role="status"
          data-testid="handshake-result"
        >
          {result.detail}
        </Alert>
      )}
      <ActionResult error={error} />
    </Stack>
  );
}

export function MetaWebhookPanel({ connectionId }: { connectionId: Id<"whatsappConnections"> }) {
  const environment = useEnvironment();
  const admin = useIsAdmin();
  const info = useQuery(api.console.metaOnboarding.get, { environment, connectionId });
  const reveal = useMutation(api.console.metaOnboarding.revealVerifyToken);
  const [token, setToken] = useState<string | null>(null);
  const { run, pending, error } = useRun();
  if (info === undefined) return <ListSkeleton rows={2} />;
  return (
    <Stack gap="sm">
      {info.webhookUrl ? (
        <CopyField label="Callback URL" value={info.webhookUrl} />
      ) : (
        <Alert color="orange" py="xs">
          This deployment has no public URL: set SWITCHBOARD_WEBHOOK_BASE_URL.
        </Alert>
      )}
      {token ? (
        <CopyField label="Verify token" value={token} />
      ) : (
        <Group>
          <Button
            variant="default"
            disabled={!admin}
            loading={pending}
            onClick={() =>
              void run(async () =>
                setToken((await reveal({ environment, connectionId })).verifyToken),
              )
            }
          >
            Show the verify token
          </Button>
        </Group>
      )}
      <ActionResult error={error} />
      <Text size="sm">
        Subscribe the webhook to:{" "}
        {info.subscribeFields.map((f) => (
          <Badge key={f} variant="outline" mr={4}>
            {f}
          </Badge>
        ))}
      </Text>
      {admin && <HandshakeCheck connectionId={connectionId} />}
      <Text size="sm" c="dimmed" data-testid="last-meta-delivery">
        {info.lastDelivery
          ? `Last delivery from Meta: ${formatTime(info.lastDelivery.receivedAt)} (${info.lastDelivery.verdict}).`
          : "No delivery from Meta yet."}
      </Text>
    </Stack>
  );
}
