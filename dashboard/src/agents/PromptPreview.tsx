/**
 * The live preview of a system prompt: the template rendered with sample values the author can
 * edit, placeholders nobody can fill flagged, and empty ones listed.
 */
import {
  Alert,
  Badge,
  Code,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { PROMPT_VARIABLES } from "../../../convex/agents/promptTemplate";
import { previewPrompt, type SampleValues } from "./promptVariables";

type Props = {
  template: string;
  sample: SampleValues;
  onSampleChange: (sample: SampleValues) => void;
};

export function PromptPreview({ template, sample, onSampleChange }: Props) {
  const { rendered, unknown, empty } = previewPrompt(template, sample);
  return (
    <Stack gap="sm">
      {unknown.length > 0 && (
        <Alert color="red" py="xs" title="Unknown variables" role="alert">
          {unknown.map((p) => (
            <Code key={p} mr={4}>{`{{${p}}}`}</Code>
          ))}{" "}
          will render as [missing: …]: check the spelling.
        </Alert>
      )}
      {empty.length > 0 && (
        <Group gap={4}>
          <Text size="xs" c="dimmed">
            Empty in this sample:
          </Text>
          {empty.map((p) => (
            <Badge key={p} size="xs" variant="outline" color="orange">
              {p}
            </Badge>
          ))}
        </Group>
      )}
      <Paper withBorder p="sm" bg="var(--mantine-color-default-hover)">
        <Text size="xs" fw={600} c="dimmed" mb={4}>
          Preview
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }} data-testid="prompt-preview">
          {rendered}
        </Text>
      </Paper>
      <Text size="xs" fw={600} c="dimmed">
        Sample values
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        {PROMPT_VARIABLES.map((v) => (
          <TextInput
            key={v.path}
            size="xs"
            label={v.path}
            value={sample[v.path] ?? ""}
            onChange={(e) => onSampleChange({ ...sample, [v.path]: e.currentTarget.value })}
          />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
