/**
 * Where handoffs are announced: a Slack incoming webhook, a signed HTTP hook and a CRM hook.
 * URLs and secrets are write-only: the page shows whether each is set, never the secret. Each
 * saved hook has a "Send test" that delivers a sample event through the real path.
 */
import { Button, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "convex/react";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import { HookTest } from "./HookTest";

type Settings = FunctionReturnType<typeof api.inbox.handoff.getSettings>;
type Update = FunctionArgs<typeof api.inbox.handoff.updateSettings>;

function SignedHook({
  kind,
  title,
  current,
}: {
  kind: "httpHook" | "crmHook";
  title: string;
  current: string | undefined;
}) {
  const environment = useEnvironment();
  const update = useMutation(api.inbox.handoff.updateSettings);
  const admin = useIsAdmin();
  const [url, setUrl] = useState(current ?? "");
  const [secret, setSecret] = useState("");
  const { run, pending, error, done } = useRun();
  const save = (value: Update["httpHook"]) =>
    run(() => update({ environment, [kind]: value }), value ? "Saved." : "Removed.");
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          {title}
        </Title>
        <Text size="xs" c="dimmed">
          We POST JSON signed with X-Switchboard-Signature: sha256=HMAC(secret, body).
        </Text>
        <TextInput
          label="URL"
          placeholder="https://crm.example/hooks/switchboard"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
        />
        <PasswordInput
          label="Signing secret"
          placeholder={current ? "Stored: enter a new one to replace it" : "Secret"}
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          {current && (
            <Button variant="subtle" color="red" disabled={!admin} onClick={() => void save(null)}>
              Remove
            </Button>
          )}
          <Button
            disabled={!admin || url === "" || secret === ""}
            loading={pending}
            onClick={() => void save({ url, secret })}
          >
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
        <HookTest hook={kind === "httpHook" ? "http" : "crm"} configured={current !== undefined} />
      </Stack>
    </Paper>
  );
}

function SlackHook({ configured }: { configured: boolean }) {
  const environment = useEnvironment();
  const update = useMutation(api.inbox.handoff.updateSettings);
  const admin = useIsAdmin();
  const [url, setUrl] = useState("");
  const { run, pending, error, done } = useRun();
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Slack
        </Title>
        <PasswordInput
          label="Incoming webhook URL"
          placeholder={
            configured
              ? "Configured: enter a new one to replace it"
              : "https://hooks.slack.com/services/…"
          }
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          {configured && (
            <Button
              variant="subtle"
              color="red"
              disabled={!admin}
              onClick={() =>
                void run(() => update({ environment, slackWebhookUrl: null }), "Removed.")
              }
            >
              Remove
            </Button>
          )}
          <Button
            disabled={!admin || url === ""}
            loading={pending}
            onClick={() =>
              void run(async () => {
                await update({ environment, slackWebhookUrl: url });
                setUrl("");
              }, "Saved.")
            }
          >
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
        <HookTest hook="slack" configured={configured} />
      </Stack>
    </Paper>
  );
}

export function HooksForm({ settings }: { settings: Settings }) {
  return (
    <Stack maw={760}>
      <SlackHook configured={settings.slackConfigured} />
      <SignedHook kind="httpHook" title="HTTP hook" current={settings.httpHookUrl} />
      <SignedHook
        kind="crmHook"
        title="CRM hook (qualified leads and handoffs)"
        current={settings.crmHookUrl}
      />
    </Stack>
  );
}
