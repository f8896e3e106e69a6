/**
 * "Replay failed…": replays every failed delivery received since a time (last hour, 24 hours,
 * 7 days or a chosen moment) once the cause is fixed, after a confirmation; the backend works
 * through them in batches and the latest run's progress is shown live beside the button.
 */
import {
  Alert,
  Button,
  Group,
  Modal,
  Progress,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useNow } from "../lib/useNow";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

type Job = NonNullable<FunctionReturnType<typeof api.whatsapp.deliveryReplay.latest>>;

const HOUR = 3_600_000;
/** A finished run's result stays on screen this long. */
const SHOW_FINISHED_MS = 24 * HOUR;
const PRESETS = [
  { value: "1h", label: "Last hour", ms: HOUR },
  { value: "24h", label: "Last 24 hours", ms: 24 * HOUR },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * HOUR },
];

/** The start of the range: a preset counted back from `now`, or the chosen local time. */
export function replaySince(choice: string, custom: string, now: number): number | null {
  const preset = PRESETS.find((p) => p.value === choice);
  if (preset) return now - preset.ms;
  const at = custom ? new Date(custom).getTime() : NaN;
  return Number.isFinite(at) && at <= now ? at : null;
}

/** One line per run: what was found and what became of it. */
export function ReplayProgress({ job }: { job: Job }) {
  const p = job.progress;
  const handled = p.resolved + p.stillFailed + p.skipped + p.errors;
  const running = job.status === "running";
  const summary =
    `${p.found} found: ${p.resolved} resolved, ${p.stillFailed} still failing` +
    (p.skipped ? `, ${p.skipped} without a kept body` : "") +
    (p.errors ? `, ${p.errors} errors` : "");
  return (
    <Alert
      color={running ? "blue" : p.errors || p.stillFailed ? "yellow" : "teal"}
      title={
        running
          ? `Replaying failed deliveries since ${formatTime(job.since)}…`
          : job.status === "done"
            ? `Replay of failed deliveries since ${formatTime(job.since)} finished`
            : "Replay stopped before it finished"
      }
      role="status"
      data-testid="bulk-replay-progress"
    >
      <Stack gap={4}>
        {running && (
          <Progress
            value={p.found === 0 ? 0 : (100 * handled) / p.found}
            animated
            aria-label="Replay progress"
          />
        )}
        <Text size="sm">{summary}</Text>
        {p.lastError && (
          <Text size="xs" c="red">
            Last error: {p.lastError}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

function ReplayForm({ onDone }: { onDone: () => void }) {
  const environment = useEnvironment();
  const start = useMutation(api.whatsapp.deliveryReplay.replayFailedSince);
  const [choice, setChoice] = useState("24h");
  const [custom, setCustom] = useState("");
  const { run, pending, error } = useRun();
  const since = replaySince(choice, custom, Date.now());
  const confirm = async () => {
    if (since === null) return;
    if (await run(async () => (await start({ environment, since }), true))) onDone();
  };
  return (
    <Stack>
      <SegmentedControl
        value={choice}
        onChange={setChoice}
        data={[
          ...PRESETS.map(({ value, label }) => ({ value, label })),
          { value: "custom", label: "Since…" },
        ]}
        aria-label="Received since"
      />
      {choice === "custom" && (
        <TextInput
          type="datetime-local"
          label="Received since"
          value={custom}
          onChange={(e) => setCustom(e.currentTarget.value)}
          error={custom && since === null ? "Choose a time in the past." : undefined}
        />
      )}
      <Text size="sm">
        {since === null
          ? "Choose when the range starts."
          : `Every delivery of ${environment} that failed since ${formatTime(since)} is processed again, in batches. Messages already stored stay deduplicated; deliveries whose cause is still there stay failed.`}
      </Text>
      <ActionResult error={error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button loading={pending} disabled={since === null} onClick={() => void confirm()}>
          Replay failed deliveries
        </Button>
      </Group>
    </Stack>
  );
}

/** The button (beside `beside`, the list's own controls) and the latest run's progress below. */
export function BulkReplay({ beside }: { beside: ReactNode }) {
  const environment = useEnvironment();
  const admin = useIsAdmin();
  const job = useQuery(api.whatsapp.deliveryReplay.latest, { environment });
  const [opened, { open, close }] = useDisclosure(false);
  const now = useNow(60_000);
  const running = job?.status === "running";
  const shown = job && (running || now - (job.finishedAt ?? job.updatedAt) < SHOW_FINISHED_MS);
  return (
    <Stack gap="xs" mb="md">
      <Group justify="space-between" align="flex-start">
        {beside}
        <Button
          variant="light"
          onClick={open}
          disabled={!admin || running}
          title={!admin ? "Only admins can replay deliveries." : undefined}
        >
          Replay failed…
        </Button>
      </Group>
      {shown && <ReplayProgress job={job} />}
      <Modal opened={opened} onClose={close} title="Replay failed deliveries" centered>
        {opened && <ReplayForm onDone={close} />}
      </Modal>
    </Stack>
  );
}
