/**
 * A number's own settings: label, persona (added to every agent's prompt on this number),
 * memory pool (numbers in one pool share customer memory) and sending pace.
 */
import {
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  Stack,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import { NewPoolButton } from "./NewPoolButton";
import type { ConnectionView } from "./types";
import type { NumbersData } from "./useNumbersData";

export function NumberSettingsForm({
  data,
  connection: c,
}: {
  data: NumbersData;
  connection: ConnectionView;
}) {
  const update = useMutation(api.whatsapp.connections.update);
  const admin = useIsAdmin();
  const [label, setLabel] = useState(c.label);
  const [persona, setPersona] = useState(c.persona ?? "");
  const [pool, setPool] = useState<string | null>(c.memoryPoolId ?? null);
  const [pace, setPace] = useState<number | string>(c.pacing.messagesPerSecond);
  const { run, pending, error, done } = useRun();
  const save = () =>
    run(
      () =>
        update({
          environment: data.environment,
          connectionId: c._id,
          label,
          persona,
          memoryPoolId: (pool as Id<"memoryPools"> | null) ?? null,
          messagesPerSecond: Number(pace),
        }),
      "Settings saved.",
    );
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Settings
        </Title>
        <TextInput label="Label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
        <Textarea
          label="Persona"
          description="How agents present themselves on this number (added to their prompt)."
          autosize
          minRows={2}
          value={persona}
          onChange={(e) => setPersona(e.currentTarget.value)}
        />
        <Group align="flex-end" gap="xs">
          <Select
            style={{ flex: 1 }}
            label="Memory pool"
            description="Numbers in the same pool share what the agents remember about a customer."
            placeholder="No pool (memory of this number only)"
            clearable
            value={pool}
            onChange={setPool}
            data={data.pools.map((p) => ({ value: p._id, label: p.name }))}
          />
          <NewPoolButton onCreated={setPool} />
        </Group>
        <NumberInput
          label="Sending pace (messages per second)"
          description="Meta's default is 80; coexistence numbers 20."
          min={1}
          max={1000}
          value={pace}
          onChange={setPace}
        />
        <Group justify="flex-end">
          <Button onClick={() => void save()} loading={pending} disabled={!admin}>
            Save settings
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}
