/**
 * The system prompt: a text area, the variables it may use (click to insert at the cursor),
 * and the live preview beside it; the whole system message for a real thread is one tab away.
 */
import {
  Badge,
  Group,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  Textarea,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useRef, useState } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { PROMPT_VARIABLES } from "../../../convex/agents/promptTemplate";
import { FullPromptPreview } from "./FullPromptPreview";
import { PromptPreview } from "./PromptPreview";
import { DEFAULT_SAMPLE } from "./promptVariables";

type Props = { value: string; onChange: (value: string) => void; agentId?: Id<"agents"> };

export function PromptEditor({ value, onChange, agentId }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [sample, setSample] = useState(DEFAULT_SAMPLE);
  const insert = (path: string) => {
    const el = area.current;
    const token = `{{${path}}}`;
    const at = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? at;
    onChange(value.slice(0, at) + token + value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + token.length, at + token.length);
    });
  };
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <Stack gap="xs">
        <Textarea
          ref={area}
          label="System prompt"
          autosize
          minRows={10}
          maxRows={30}
          value={value}
          onChange={(e) => onChange(e.currentTarget.value)}
          ff="monospace"
        />
        <Text size="xs" fw={600} c="dimmed">
          Variables (click to insert)
        </Text>
        <Group gap={4}>
          {PROMPT_VARIABLES.map((v) => (
            <Tooltip key={v.path} label={v.description}>
              <UnstyledButton
                onClick={() => insert(v.path)}
                aria-label={`Insert ${v.path}: ${v.description}`}
              >
                <Badge
                  variant="light"
                  style={{ textTransform: "none", cursor: "pointer" }}
                >{`{{${v.path}}}`}</Badge>
              </UnstyledButton>
            </Tooltip>
          ))}
        </Group>
      </Stack>
      <Tabs defaultValue="sample" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="sample">Sample</Tabs.Tab>
          <Tabs.Tab value="full">Whole system message</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="sample" pt="sm">
          <PromptPreview template={value} sample={sample} onSampleChange={setSample} />
        </Tabs.Panel>
        <Tabs.Panel value="full" pt="sm">
          <FullPromptPreview template={value} agentId={agentId} />
        </Tabs.Panel>
      </Tabs>
    </SimpleGrid>
  );
}
