/** The template as a customer's phone shows it, with the example values filled in. */
import { Divider, Paper, Stack, Text } from "@mantine/core";
import type { TemplateDraft } from "./definition";

function fill(text: string, values: (name: string) => string) {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (all, n: string) => values(n) || all);
}

export function TemplatePreview({ draft }: { draft: TemplateDraft }) {
  return (
    <Paper
      withBorder
      p="sm"
      radius="lg"
      maw={340}
      bg="var(--mantine-color-teal-light)"
      aria-label="Template preview"
    >
      <Stack gap={4}>
        {draft.headerFormat === "TEXT" && draft.headerText && (
          <Text fw={700} size="sm">
            {fill(draft.headerText, () => draft.headerExample)}
          </Text>
        )}
        {draft.headerFormat !== "NONE" && draft.headerFormat !== "TEXT" && (
          <Text size="xs" c="dimmed">
            [{draft.headerFormat.toLowerCase()} header]
          </Text>
        )}
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {fill(draft.body, (n) => draft.examples[n] ?? "") || "Body text…"}
        </Text>
        {draft.footer && (
          <Text size="xs" c="dimmed">
            {draft.footer}
          </Text>
        )}
        {draft.buttons.length > 0 && <Divider />}
        {draft.buttons.map((b, i) => (
          <Text key={i} size="sm" c="blue" ta="center">
            {b.text || "Button"}
          </Text>
        ))}
      </Stack>
    </Paper>
  );
}
