/**
 * The handoff signals: the frustration check run on every customer message before the model
 * (own words, built-in profanity lists, shouting, "???"), and the escalation contact told on
 * WhatsApp when a conversation needs a person (text in their window, else a template).
 */
import {
  Button,
  Group,
  MultiSelect,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { ProfanityLanguage } from "../../../convex/lib/validators";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult, ListSkeleton } from "../ui/States";

type Signals = FunctionReturnType<typeof api.inbox.handoffSignals.get>;
const LANGUAGES = [
  { value: "en", label: "English" },
  { value: "es", label: "Spanish" },
  { value: "pt", label: "Portuguese" },
];

function FrustrationCard({ initial }: { initial: Signals["frustration"] }) {
  const environment = useEnvironment();
  const update = useMutation(api.inbox.handoffSignals.update);
  const admin = useIsAdmin();
  const [f, setF] = useState(initial);
  const { run, pending, error, done } = useRun();
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h5">
          Frustration signal
        </Title>
        <Switch
          label="Hand frustrated customers to a person before the AI answers"
          checked={f.enabled}
          onChange={(e) => setF({ ...f, enabled: e.currentTarget.checked })}
        />
        <TagsInput
          label="Words of frustration"
          description="Whole words, any case or accent. Enter after each."
          value={f.keywords}
          onChange={(keywords) => setF({ ...f, keywords })}
        />
        <MultiSelect
          label="Built-in profanity lists"
          data={LANGUAGES}
          value={f.profanityLanguages}
          onChange={(v) => setF({ ...f, profanityLanguages: v as ProfanityLanguage[] })}
        />
        <Switch
          label="Shouting (a message mostly in capital letters)"
          checked={f.allCaps}
          onChange={(e) => setF({ ...f, allCaps: e.currentTarget.checked })}
        />
        <Switch
          label='Repeated "???" or "?!!"'
          checked={f.punctuation}
          onChange={(e) => setF({ ...f, punctuation: e.currentTarget.checked })}
        />
        <Group justify="flex-end">
          <Button
            disabled={!admin}
            loading={pending}
            onClick={() => void run(() => update({ environment, frustration: f }), "Saved.")}
          >
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}

function ContactCard({ initial }: { initial: Signals["escalationContact"] }) {
  const environment = useEnvironment();
  const update = useMutation(api.inbox.handoffSignals.update);
  const admin = useIsAdmin();
  const [phone, setPhone] = useState(initial?.phoneNumber ?? "");
  const [name, setName] = useState(initial?.name ?? "");
  const [template, setTemplate] = useState(initial?.template?.name ?? "");
  const [language, setLanguage] = useState(initial?.template?.language ?? "en_US");
  const { run, pending, error, done } = useRun();
  const contact = {
    phoneNumber: phone,
    ...(name ? { name } : {}),
    ...(template ? { template: { name: template, language } } : {}),
  };
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h5">
          Escalation contact
        </Title>
        <Text size="sm" c="dimmed">
          Told on WhatsApp when a conversation needs a person: as text inside their 24-hour window,
          else with the template (body variables: customer, summary, link).
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Phone number"
            placeholder="+15550100300"
            value={phone}
            onChange={(e) => setPhone(e.currentTarget.value)}
          />
          <TextInput
            label="Name (optional)"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <TextInput
            label="Template (optional)"
            placeholder="handoff_alert"
            value={template}
            onChange={(e) => setTemplate(e.currentTarget.value)}
          />
          <TextInput
            label="Template language"
            value={language}
            onChange={(e) => setLanguage(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Group justify="flex-end">
          {initial && (
            <Button
              variant="subtle"
              color="red"
              disabled={!admin}
              onClick={() =>
                void run(() => update({ environment, escalationContact: null }), "Removed.")
              }
            >
              Remove
            </Button>
          )}
          <Button
            disabled={!admin || phone.trim() === ""}
            loading={pending}
            onClick={() =>
              void run(() => update({ environment, escalationContact: contact }), "Saved.")
            }
          >
            Save
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}

export function SignalsForm() {
  const environment = useEnvironment();
  const signals = useQuery(api.inbox.handoffSignals.get, { environment });
  if (signals === undefined) return <ListSkeleton />;
  return (
    <Stack maw={760}>
      <FrustrationCard initial={signals.frustration} />
      <ContactCard initial={signals.escalationContact} />
    </Stack>
  );
}
