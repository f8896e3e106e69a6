/**
 * The template editor: every component of a WhatsApp template, an example for each variable,
 * the backend's rules applied as you type (Create stays disabled while any fails), advice on
 * variable density, and a phone preview.
 */
import {
  Alert,
  Button,
  Group,
  List,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { ButtonsEditor } from "./ButtonsEditor";
import {
  draftComponents,
  draftProblems,
  draftVariables,
  draftWarnings,
  NEW_TEMPLATE,
  type TemplateDraft,
} from "./definition";
import { TemplatePreview } from "./TemplatePreview";

type Props = {
  pending: boolean;
  error: string | null;
  onSubmit: (draft: TemplateDraft, components: ReturnType<typeof draftComponents>) => void;
};
type Patch = (change: Partial<TemplateDraft>) => void;

function Basics({ d, patch }: { d: TemplateDraft; patch: Patch }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <TextInput
        label="Name"
        description="Lowercase letters, digits and underscores."
        value={d.name}
        onChange={(e) => patch({ name: e.currentTarget.value })}
      />
      <TextInput
        label="Language"
        value={d.language}
        onChange={(e) => patch({ language: e.currentTarget.value })}
      />
      <Select
        label="Category"
        allowDeselect={false}
        data={["UTILITY", "MARKETING", "AUTHENTICATION"]}
        value={d.category}
        onChange={(c) => patch({ category: (c ?? "UTILITY") as TemplateDraft["category"] })}
      />
      <Select
        label="Variables"
        allowDeselect={false}
        data={[
          { value: "positional", label: "Numbered: {{1}}, {{2}}" },
          { value: "named", label: "Named: {{first_name}}" },
        ]}
        value={d.parameterFormat}
        onChange={(f) =>
          patch({
            parameterFormat: (f ?? "positional") as TemplateDraft["parameterFormat"],
            examples: {},
          })
        }
      />
    </SimpleGrid>
  );
}

function Content({ d, patch }: { d: TemplateDraft; patch: Patch }) {
  const vars = draftVariables(d);
  return (
    <Stack gap="sm">
      <Group align="flex-end" grow>
        <Select
          label="Header"
          allowDeselect={false}
          data={["NONE", "TEXT", "IMAGE", "VIDEO", "DOCUMENT"]}
          value={d.headerFormat}
          onChange={(h) => patch({ headerFormat: (h ?? "NONE") as TemplateDraft["headerFormat"] })}
        />
        {d.headerFormat === "TEXT" && (
          <TextInput
            label="Header text"
            value={d.headerText}
            onChange={(e) => patch({ headerText: e.currentTarget.value })}
          />
        )}
        {(vars.header.length > 0 || ["IMAGE", "VIDEO", "DOCUMENT"].includes(d.headerFormat)) && (
          <TextInput
            label={d.headerFormat === "TEXT" ? "Header example" : "Example media handle"}
            value={d.headerExample}
            onChange={(e) => patch({ headerExample: e.currentTarget.value })}
          />
        )}
      </Group>
      <Textarea
        label="Body"
        description={`${d.body.length} / 1024 characters`}
        autosize
        minRows={4}
        value={d.body}
        onChange={(e) => patch({ body: e.currentTarget.value })}
      />
      {vars.body.length > 0 && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {vars.body.map((n) => (
            <TextInput
              key={n}
              label={`Example for {{${n}}}`}
              value={d.examples[n] ?? ""}
              onChange={(e) => patch({ examples: { ...d.examples, [n]: e.currentTarget.value } })}
            />
          ))}
        </SimpleGrid>
      )}
      <TextInput
        label="Footer (optional)"
        value={d.footer}
        onChange={(e) => patch({ footer: e.currentTarget.value })}
      />
      <Text size="sm" fw={500}>
        Buttons (optional)
      </Text>
      <ButtonsEditor buttons={d.buttons} onChange={(buttons) => patch({ buttons })} />
    </Stack>
  );
}

export function TemplateEditorForm({ pending, error, onSubmit }: Props) {
  const [d, setDraft] = useState<TemplateDraft>(NEW_TEMPLATE);
  const patch: Patch = (change) => setDraft((x) => ({ ...x, ...change }));
  const problems = draftProblems(d);
  const warnings = draftWarnings(d);
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Paper withBorder p="md">
        <Stack>
          <Basics d={d} patch={patch} />
          <Content d={d} patch={patch} />
        </Stack>
      </Paper>
      <Stack>
        <Title order={2} size="h5">
          Preview
        </Title>
        <TemplatePreview draft={d} />
        {problems.length > 0 ? (
          <Alert color="red" title="To fix before submitting" data-testid="template-problems">
            <List size="sm">
              {problems.map((p) => (
                <List.Item key={p}>{p}</List.Item>
              ))}
            </List>
          </Alert>
        ) : (
          <Alert color="teal" data-testid="template-ok">
            Ready to submit for Meta's review.
          </Alert>
        )}
        {warnings.length > 0 && (
          <Alert color="yellow" title="Advice">
            <List size="sm">
              {warnings.map((w) => (
                <List.Item key={w}>{w}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group>
          <Button
            disabled={problems.length > 0}
            loading={pending}
            onClick={() => onSubmit(d, draftComponents(d))}
          >
            Submit for review
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Meta usually reviews within minutes, sometimes up to 24 hours; the status updates here.
        </Text>
      </Stack>
    </SimpleGrid>
  );
}
