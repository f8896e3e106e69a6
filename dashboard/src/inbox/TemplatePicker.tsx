/**
 * The composer once the 24-hour window has closed: pick an approved template of the thread's
 * number, fill every variable (header, body, URL buttons), see the message as the customer will,
 * and send. Problems are listed before sending, in the backend's words.
 */
import {
  Alert,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useState } from "react";
import type { TemplateParameters } from "../../../convex/lib/validators";
import { buildParameters, isSendable, templateFields, templatePreview } from "./templateForm";
import type { TemplateView } from "./types";

type Props = {
  templates: TemplateView[] | undefined;
  pending: boolean;
  onSend: (template: TemplateView, parameters: TemplateParameters) => Promise<boolean>;
};

function Preview({ template, input }: { template: TemplateView; input: Record<string, string> }) {
  const preview = templatePreview(template, input);
  return (
    <Paper
      withBorder
      p="sm"
      radius="lg"
      bg="var(--mantine-color-teal-light)"
      aria-label="Template preview"
    >
      {preview.header && (
        <Text fw={700} size="sm">
          {preview.header}
        </Text>
      )}
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {preview.body}
      </Text>
      {preview.footer && (
        <Text size="xs" c="dimmed">
          {preview.footer}
        </Text>
      )}
      {preview.buttons.length > 0 && (
        <Group gap={4} mt={6}>
          {preview.buttons.map((b) => (
            <Text key={b} size="xs" c="blue">
              {b}
            </Text>
          ))}
        </Group>
      )}
    </Paper>
  );
}

export function TemplatePicker({ templates, pending, onSend }: Props) {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [input, setInput] = useState<Record<string, string>>({});
  const approved = (templates ?? []).filter(isSendable);
  const template = approved.find((t) => t._id === selectedId);
  const fields = template ? templateFields(template) : [];
  const problems = template ? templatePreview(template, input).problems : [];
  const send = async () => {
    if (!template) return;
    if (await onSend(template, buildParameters(template, input))) setInput({});
  };
  return (
    <Stack gap="xs">
      <Select
        label="Template"
        placeholder={
          templates === undefined
            ? "Loading templates…"
            : approved.length === 0
              ? "No approved template on this number"
              : "Pick an approved template"
        }
        data={approved.map((t) => ({ value: t._id, label: `${t.name} (${t.language})` }))}
        value={selectedId}
        onChange={(id) => {
          setSelectedId(id);
          setInput({});
        }}
        searchable
      />
      {template && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Stack gap="xs">
            {fields.length === 0 && (
              <Text size="sm" c="dimmed">
                This template has no variables.
              </Text>
            )}
            {fields.map((f) => (
              <TextInput
                key={f.key}
                label={f.label}
                placeholder={f.placeholder}
                value={input[f.key] ?? ""}
                onChange={(e) => setInput({ ...input, [f.key]: e.currentTarget.value })}
              />
            ))}
          </Stack>
          <Preview template={template} input={input} />
        </SimpleGrid>
      )}
      {template && problems.length > 0 && (
        <Alert color="yellow" py="xs" title="Before sending">
          {problems.map((p) => (
            <Text key={p} size="xs">
              {p}
            </Text>
          ))}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button
          onClick={() => void send()}
          disabled={!template || problems.length > 0}
          loading={pending}
        >
          Send template
        </Button>
      </Group>
    </Stack>
  );
}
