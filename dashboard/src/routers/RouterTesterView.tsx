/**
 * "Test a message" against the router being edited, before saving: which rule would match,
 * which agent would answer (or that the classifier would be asked), and what is wrong with
 * each rule. Pure view: the preview comes from the backend's routing rules.
 */
import { Alert, Badge, Group, Paper, Stack, Text, TextInput, Textarea } from "@mantine/core";
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";

export type RouterPreview = FunctionReturnType<typeof api.console.routerPreview.test>;
export type TesterInput = { text: string; interactiveReplyId: string };

const OUTCOME: Record<RouterPreview["outcome"], { label: string; color: string }> = {
  rule: { label: "Rule matched", color: "teal" },
  classifier: { label: "Classifier decides", color: "violet" },
  fallback: { label: "Fallback", color: "blue" },
  no_agent: { label: "Nobody answers", color: "red" },
};

function Result({ preview }: { preview: RouterPreview }) {
  const outcome = OUTCOME[preview.outcome];
  return (
    <Stack gap="xs" role="status" aria-live="polite" data-testid="router-test-result">
      <Group gap="xs">
        <Badge color={outcome.color}>{outcome.label}</Badge>
        {preview.matchedRule !== null && (
          <Badge variant="outline">Rule {preview.matchedRule + 1}</Badge>
        )}
        <Text size="sm" fw={600}>
          {preview.agent ? `→ ${preview.agent.name} (${preview.agent.slug})` : "→ no agent"}
        </Text>
      </Group>
      <Text size="sm" c="dimmed">
        {preview.reason}
      </Text>
      {preview.classifierCandidates.length > 0 && (
        <Text size="xs">Choices: {preview.classifierCandidates.map((c) => c.slug).join(", ")}</Text>
      )}
      {preview.rules
        .filter((r) => r.problem)
        .map((r) => (
          <Alert key={r.index} color="orange" py={4}>
            Rule {r.index + 1}: {r.problem}
          </Alert>
        ))}
    </Stack>
  );
}

type Props = {
  input: TesterInput;
  onChange: (input: TesterInput) => void;
  preview: RouterPreview | undefined;
};

export function RouterTesterView({ input, onChange, preview }: Props) {
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Text fw={600}>Test a message</Text>
        <Textarea
          label="Customer message"
          placeholder="I want a refund for my order"
          autosize
          minRows={2}
          value={input.text}
          onChange={(e) => onChange({ ...input, text: e.currentTarget.value })}
        />
        <TextInput
          label="Tapped reply id (optional)"
          placeholder="btn_sales"
          value={input.interactiveReplyId}
          onChange={(e) => onChange({ ...input, interactiveReplyId: e.currentTarget.value })}
        />
        {input.text.trim() === "" && input.interactiveReplyId.trim() === "" ? (
          <Text size="sm" c="dimmed">
            Type a message to see who would answer it.
          </Text>
        ) : preview === undefined ? (
          <Text size="sm" c="dimmed">
            Checking…
          </Text>
        ) : (
          <Result preview={preview} />
        )}
      </Stack>
    </Paper>
  );
}
