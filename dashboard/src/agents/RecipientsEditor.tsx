/**
 * Other numbers an agent may message (`whatsapp.send` with `to`): staff or a partner desk, at
 * most MAX_ALLOWED_RECIPIENTS, checked as typed with the backend's own rule and saved on their
 * own (`agents.recipients.setAllowed`). Empty: the agent writes to the conversation's customer only.
 */
import { ActionIcon, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { MAX_ALLOWED_RECIPIENTS } from "../../../convex/agents/recipientRules";
import { normalizeCustomerPhone } from "../../../convex/whatsapp/phone";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

export type RecipientsViewProps = {
  saved: string[];
  canEdit: boolean;
  pending: boolean;
  error: string | null;
  done: string | null;
  onSave: (numbers: string[]) => void;
};

/** Why `raw` cannot be added to `list`, or undefined when it can. */
function additionProblem(raw: string, list: string[]): string | undefined {
  if (raw.trim() === "") return undefined;
  const phone = normalizeCustomerPhone(raw);
  if (phone === undefined) return "Not a phone number: use the international format, +15551234567.";
  if (list.includes(phone)) return "Already on the list.";
  if (list.length >= MAX_ALLOWED_RECIPIENTS) return `At most ${MAX_ALLOWED_RECIPIENTS} numbers.`;
  return undefined;
}

function NumberRow({
  phone,
  onRemove,
  disabled,
}: {
  phone: string;
  onRemove: () => void;
  disabled: boolean;
}) {
  return (
    <Group gap="xs" justify="space-between" wrap="nowrap">
      <Text size="sm" ff="monospace">
        {phone}
      </Text>
      <ActionIcon
        variant="subtle"
        color="red"
        disabled={disabled}
        aria-label={`Remove ${phone}`}
        onClick={onRemove}
      >
        <IconTrash size={16} />
      </ActionIcon>
    </Group>
  );
}

export function RecipientsView({
  saved,
  canEdit,
  pending,
  error,
  done,
  onSave,
}: RecipientsViewProps) {
  const [list, setList] = useState(saved);
  const [typed, setTyped] = useState("");
  const problem = additionProblem(typed, list);
  const add = () => {
    const phone = normalizeCustomerPhone(typed);
    if (phone === undefined || problem !== undefined) return;
    setList([...list, phone]);
    setTyped("");
  };
  const changed = list.join(",") !== saved.join(",");
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Other numbers this agent may message
        </Title>
        <Text size="xs" c="dimmed">
          With whatsapp.send on, the agent may also write to these numbers (staff, a partner desk),
          each on its own conversation and only inside its 24-hour window. Empty: the customer only.{" "}
          {list.length} of {MAX_ALLOWED_RECIPIENTS}.
        </Text>
        {list.length === 0 && (
          <Text size="sm" c="dimmed">
            No other numbers.
          </Text>
        )}
        {list.map((phone) => (
          <NumberRow
            key={phone}
            phone={phone}
            disabled={!canEdit}
            onRemove={() => setList(list.filter((p) => p !== phone))}
          />
        ))}
        <Group gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            aria-label="Phone number to allow"
            placeholder="+15551234567"
            value={typed}
            error={problem}
            disabled={!canEdit}
            onChange={(e) => setTyped(e.currentTarget.value)}
            onKeyDown={(e) => e.key === "Enter" && add()}
            style={{ flex: 1 }}
          />
          <Button
            variant="default"
            leftSection={<IconPlus size={16} />}
            disabled={!canEdit || typed.trim() === "" || problem !== undefined}
            onClick={add}
          >
            Add
          </Button>
        </Group>
        <Group justify="flex-end">
          <Button disabled={!canEdit || !changed} loading={pending} onClick={() => onSave(list)}>
            Save numbers
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}

export function AllowedRecipients({ agentId, saved }: { agentId: Id<"agents">; saved: string[] }) {
  const environment = useEnvironment();
  const setAllowed = useMutation(api.agents.recipients.setAllowed);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  return (
    <RecipientsView
      key={saved.join(",")}
      saved={saved}
      canEdit={admin}
      pending={pending}
      error={error}
      done={done}
      onSave={(phoneNumbers) =>
        void run(() => setAllowed({ environment, agentId, phoneNumbers }), "Saved.")
      }
    />
  );
}
