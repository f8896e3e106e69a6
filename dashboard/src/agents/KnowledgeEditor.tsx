/**
 * Knowledge placed in the agent's prompt: text entries written here or CSV files uploaded
 * (kept as text), each with its size, and the total against the per-agent limit.
 */
import {
  ActionIcon,
  Button,
  FileButton,
  Group,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconFileUpload, IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import type { KnowledgeEntry } from "../../../convex/lib/validators";
import { formatBytes } from "../lib/format";
import { knowledgeSize, MAX_KNOWLEDGE_CHARS } from "./draft";

type Props = { entries: KnowledgeEntry[]; onChange: (entries: KnowledgeEntry[]) => void };

function Entry({
  entry,
  onChange,
  onRemove,
}: {
  entry: KnowledgeEntry;
  onChange: (e: KnowledgeEntry) => void;
  onRemove: () => void;
}) {
  return (
    <Paper withBorder p="sm">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <TextInput
            aria-label="Title"
            placeholder="Title"
            value={entry.title}
            onChange={(e) => onChange({ ...entry, title: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <SegmentedControl
            size="xs"
            aria-label="Format"
            value={entry.format}
            data={["text", "csv"]}
            onChange={(f) => onChange({ ...entry, format: f as KnowledgeEntry["format"] })}
          />
          <Text size="xs" c="dimmed" w={70} ta="right">
            {formatBytes(new Blob([entry.content]).size)}
          </Text>
          <ActionIcon
            color="red"
            variant="subtle"
            aria-label={`Remove ${entry.title || "entry"}`}
            onClick={onRemove}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
        <Textarea
          aria-label={`Content of ${entry.title || "entry"}`}
          autosize
          minRows={3}
          maxRows={12}
          ff={entry.format === "csv" ? "monospace" : undefined}
          value={entry.content}
          onChange={(e) => onChange({ ...entry, content: e.currentTarget.value })}
        />
      </Stack>
    </Paper>
  );
}

export function KnowledgeEditor({ entries, onChange }: Props) {
  const [uploadError, setUploadError] = useState<string | null>(null);
  const size = knowledgeSize(entries);
  const upload = async (file: File | null) => {
    if (!file) return;
    setUploadError(null);
    if (file.size > MAX_KNOWLEDGE_CHARS * 4)
      return setUploadError(`${file.name} is ${formatBytes(file.size)}: too large.`);
    const content = await file.text();
    onChange([...entries, { title: file.name.replace(/\.csv$/i, ""), format: "csv", content }]);
  };
  return (
    <Stack>
      <Stack gap={4}>
        <Text size="sm">
          {size.toLocaleString()} of {MAX_KNOWLEDGE_CHARS.toLocaleString()} characters
        </Text>
        <Progress
          value={Math.min(100, (size / MAX_KNOWLEDGE_CHARS) * 100)}
          color={size > MAX_KNOWLEDGE_CHARS ? "red" : undefined}
          aria-label="Knowledge size"
        />
      </Stack>
      {entries.map((entry, i) => (
        <Entry
          key={i}
          entry={entry}
          onChange={(next) => onChange(entries.map((x, j) => (j === i ? next : x)))}
          onRemove={() => onChange(entries.filter((_, j) => j !== i))}
        />
      ))}
      {uploadError && (
        <Text c="red" size="sm" role="alert">
          {uploadError}
        </Text>
      )}
      <Group>
        <Button
          variant="default"
          leftSection={<IconPlus size={16} />}
          onClick={() => onChange([...entries, { title: "", format: "text", content: "" }])}
        >
          Add text
        </Button>
        <FileButton accept=".csv,text/csv" onChange={(f) => void upload(f)}>
          {(props) => (
            <Button variant="default" leftSection={<IconFileUpload size={16} />} {...props}>
              Upload CSV
            </Button>
          )}
        </FileButton>
      </Group>
    </Stack>
  );
}
