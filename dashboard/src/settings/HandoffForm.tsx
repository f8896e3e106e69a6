/**
 * The environment's handoff policy: escalation keywords (any language) and the message sent
 * when one is used, auto-release after human inactivity, and how many fallback replies in a
 * row hand a conversation to a person.
 */
import { Button, Group, NumberInput, Paper, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

type Settings = FunctionReturnType<typeof api.inbox.handoff.getSettings>;

export function HandoffForm({ settings }: { settings: Settings }) {
  const environment = useEnvironment();
  const update = useMutation(api.inbox.handoff.updateSettings);
  const admin = useIsAdmin();
  const [keywords, setKeywords] = useState(settings.escalationKeywords.join("\n"));
  const [ack, setAck] = useState(settings.escalationAcknowledgement ?? "");
  const [release, setRelease] = useState<number | string>(settings.autoReleaseMinutes ?? "");
  const [fallbacks, setFallbacks] = useState<number | string>(settings.maxConsecutiveFallbacks);
  const { run, pending, error, done } = useRun();
  const save = () =>
    run(
      () =>
        update({
          environment,
          escalationKeywords: keywords.split("\n"),
          escalationAcknowledgement: ack || null,
          autoReleaseMinutes: release === "" ? null : Number(release),
          maxConsecutiveFallbacks: Number(fallbacks),
        }),
      "Saved.",
    );
  return (
    <Paper withBorder p="md" maw={760}>
      <Stack>
        <Textarea
          label="Escalation keywords"
          description="One per line, any language. A customer using one is handed to a person before the AI answers."
          autosize
          minRows={4}
          value={keywords}
          onChange={(e) => setKeywords(e.currentTarget.value)}
        />
        <TextInput
          label="Message to the customer when a keyword is used (optional)"
          value={ack}
          onChange={(e) => setAck(e.currentTarget.value)}
        />
        <NumberInput
          label="Give conversations back to the AI after this many minutes without a human (empty: never)"
          min={1}
          value={release}
          onChange={setRelease}
        />
        <NumberInput
          label="Hand off after this many fallback replies in a row"
          min={1}
          value={fallbacks}
          onChange={setFallbacks}
        />
        <Group justify="flex-end">
          <Button onClick={() => void save()} loading={pending} disabled={!admin}>
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}
