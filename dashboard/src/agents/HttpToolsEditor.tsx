/**
 * Custom HTTP tools of an agent: name, what it does (for the model), URL, method, the JSON
 * Schema of its arguments (checked as you type) and secret headers, which are write-only: a
 * stored header shows its name only, and an empty value keeps it. A saved tool has a "Test call".
 */
import {
  ActionIcon,
  Button,
  Group,
  JsonInput,
  NumberInput,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { httpToolChanged, type HttpToolDraft, type HttpToolView } from "./draft";
import { HttpToolTest } from "./HttpToolTest";
import { schemaProblem, toolNameProblem } from "./httpToolRules";

const NEW_TOOL: HttpToolDraft = {
  name: "",
  description: "",
  url: "https://",
  method: "POST",
  parameters: '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}',
  headers: [],
  timeoutMs: "",
  maxResponseBytes: "",
};

function Headers({
  tool,
  onChange,
}: {
  tool: HttpToolDraft;
  onChange: (t: HttpToolDraft) => void;
}) {
  const set = (i: number, change: Partial<HttpToolDraft["headers"][number]>) =>
    onChange({ ...tool, headers: tool.headers.map((h, j) => (j === i ? { ...h, ...change } : h)) });
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        Secret headers
      </Text>
      {tool.headers.map((h, i) => (
        <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            aria-label="Header name"
            placeholder="Authorization"
            value={h.name}
            onChange={(e) => set(i, { name: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <PasswordInput
            aria-label={`Value of ${h.name || "header"}`}
            placeholder={h.stored ? "Stored (leave empty to keep)" : "Value"}
            value={h.value}
            onChange={(e) => set(i, { value: e.currentTarget.value })}
            style={{ flex: 2 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove header ${h.name}`}
            onClick={() => onChange({ ...tool, headers: tool.headers.filter((_, j) => j !== i) })}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button
        size="xs"
        variant="subtle"
        w="fit-content"
        leftSection={<IconPlus size={14} />}
        onClick={() =>
          onChange({ ...tool, headers: [...tool.headers, { name: "", value: "", stored: false }] })
        }
      >
        Add header
      </Button>
    </Stack>
  );
}

/** The test call of one tool: available once the tool is saved. */
function TestCallPanel({
  tool,
  agentId,
  saved,
}: {
  tool: HttpToolDraft;
  agentId?: Id<"agents">;
  saved?: HttpToolView;
}) {
  const [open, setOpen] = useState(false);
  if (agentId === undefined || saved === undefined) {
    return (
      <Text size="xs" c="dimmed">
        Save the agent to make a test call of this tool.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Button size="xs" variant="light" w="fit-content" onClick={() => setOpen((o) => !o)}>
        {open ? "Hide test call" : "Test call"}
      </Button>
      {open && (
        <HttpToolTest
          agentId={agentId}
          toolName={saved.name}
          parameters={saved.parameters}
          unsaved={httpToolChanged(tool, saved)}
        />
      )}
    </Stack>
  );
}

function ToolFields({
  tool,
  onChange,
}: {
  tool: HttpToolDraft;
  onChange: (t: HttpToolDraft) => void;
}) {
  return (
    <>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TextInput
          label="Name"
          value={tool.name}
          error={toolNameProblem(tool.name)}
          onChange={(e) => onChange({ ...tool, name: e.currentTarget.value })}
        />
        <Group grow gap="xs">
          <Select
            label="Method"
            data={["GET", "POST"]}
            allowDeselect={false}
            value={tool.method}
            onChange={(m) => onChange({ ...tool, method: (m ?? "POST") as "GET" | "POST" })}
          />
          <NumberInput
            label="Timeout (ms)"
            placeholder="10000"
            value={tool.timeoutMs}
            onChange={(v) => onChange({ ...tool, timeoutMs: v === "" ? "" : Number(v) })}
          />
        </Group>
      </SimpleGrid>
      <TextInput
        label="URL"
        value={tool.url}
        onChange={(e) => onChange({ ...tool, url: e.currentTarget.value })}
      />
      <Textarea
        label="What it does (shown to the model)"
        autosize
        minRows={2}
        value={tool.description}
        onChange={(e) => onChange({ ...tool, description: e.currentTarget.value })}
      />
      <JsonInput
        label="Parameters (JSON Schema)"
        autosize
        minRows={4}
        formatOnBlur
        value={tool.parameters}
        error={schemaProblem(tool.parameters)}
        onChange={(parameters) => onChange({ ...tool, parameters })}
      />
    </>
  );
}

function ToolCard({
  tool,
  onChange,
  onRemove,
  agentId,
  saved,
}: {
  tool: HttpToolDraft;
  onChange: (t: HttpToolDraft) => void;
  onRemove: () => void;
  agentId?: Id<"agents">;
  saved?: HttpToolView;
}) {
  return (
    <Paper withBorder p="sm">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600} ff="monospace">
            {tool.name || "new tool"}
          </Text>
          <Button size="xs" color="red" variant="subtle" onClick={onRemove}>
            Remove tool
          </Button>
        </Group>
        <ToolFields tool={tool} onChange={onChange} />
        <Headers tool={tool} onChange={onChange} />
        <TestCallPanel tool={tool} agentId={agentId} saved={saved} />
      </Stack>
    </Paper>
  );
}

export function HttpToolsEditor({
  tools,
  onChange,
  agentId,
  saved = [],
}: {
  tools: HttpToolDraft[];
  onChange: (tools: HttpToolDraft[]) => void;
  /** The saved agent (absent while creating one): its saved tools can be test-called. */
  agentId?: Id<"agents">;
  saved?: HttpToolView[];
}) {
  return (
    <Stack>
      {tools.length === 0 && (
        <Text size="sm" c="dimmed">
          No HTTP tools. Add one to let the agent call your API (an order lookup, a booking).
        </Text>
      )}
      {tools.map((t, i) => (
        <ToolCard
          key={i}
          tool={t}
          onChange={(next) => onChange(tools.map((x, j) => (j === i ? next : x)))}
          onRemove={() => onChange(tools.filter((_, j) => j !== i))}
          agentId={agentId}
          saved={saved.find((s) => s.name === t.name)}
        />
      ))}
      <Button
        variant="default"
        w="fit-content"
        leftSection={<IconPlus size={16} />}
        onClick={() => onChange([...tools, NEW_TOOL])}
      >
        Add HTTP tool
      </Button>
    </Stack>
  );
}
