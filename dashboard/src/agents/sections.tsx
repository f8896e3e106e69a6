/**
 * The simple sections of the agent editor: identity (name, slug, description, language), the
 * model and its limits, built-in tools with what each does, and the failure policy.
 */
import {
  Autocomplete,
  Checkbox,
  NumberInput,
  SimpleGrid,
  Slider,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { BUILTIN_TOOLS, type BuiltinTool } from "../../../convex/lib/validators";
import { slugify, type AgentDraft } from "./draft";

export type SectionProps = {
  draft: AgentDraft;
  patch: (change: Partial<AgentDraft>) => void;
  isNew?: boolean;
};

export function BasicsSection({ draft, patch, isNew }: SectionProps) {
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <TextInput
        label="Name"
        required
        value={draft.name}
        onChange={(e) => {
          const name = e.currentTarget.value;
          patch(
            isNew && draft.slug === slugify(draft.name) ? { name, slug: slugify(name) } : { name },
          );
        }}
      />
      <TextInput
        label="Slug"
        description="Lowercase letters, digits and dashes; routers and handoffs use it."
        required
        value={draft.slug}
        onChange={(e) => patch({ slug: e.currentTarget.value })}
      />
      <Textarea
        label="Description"
        description="What this agent handles: classifying routers show it to the model."
        autosize
        minRows={2}
        value={draft.description}
        onChange={(e) => patch({ description: e.currentTarget.value })}
      />
      <TextInput
        label="Language"
        placeholder="Any (answers in the customer's language)"
        value={draft.language}
        onChange={(e) => patch({ language: e.currentTarget.value })}
      />
    </SimpleGrid>
  );
}

const MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "o4-mini"];

export function ModelSection({ draft, patch }: SectionProps) {
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Autocomplete
        label="Model"
        description="Any model the configured OpenAI-compatible server offers."
        data={MODELS}
        value={draft.model}
        onChange={(model) => patch({ model })}
      />
      <Stack gap={4}>
        <Text size="sm" fw={500} id="temperature-label">
          Temperature: {draft.temperature.toFixed(1)}
        </Text>
        <Slider
          aria-labelledby="temperature-label"
          min={0}
          max={2}
          step={0.1}
          value={draft.temperature}
          onChange={(temperature) => patch({ temperature })}
          marks={[
            { value: 0, label: "0" },
            { value: 1, label: "1" },
            { value: 2, label: "2" },
          ]}
        />
      </Stack>
      <NumberInput
        label="Max steps"
        description="Model calls per turn (tools included), 1–20."
        min={1}
        max={20}
        value={draft.maxSteps}
        onChange={(v) => patch({ maxSteps: Number(v) || 1 })}
      />
      <NumberInput
        label="Context messages"
        description="Recent messages of the conversation sent to the model, 1–200."
        min={1}
        max={200}
        value={draft.maxContextMessages}
        onChange={(v) => patch({ maxContextMessages: Number(v) || 1 })}
      />
    </SimpleGrid>
  );
}

export const TOOL_DESCRIPTIONS: Record<BuiltinTool, string> = {
  "whatsapp.send": "Send a text message to the customer.",
  "whatsapp.sendTemplate": "Send an approved template (works outside the 24-hour window).",
  "whatsapp.sendInteractive": "Send reply buttons or a list menu.",
  "whatsapp.sendMedia": "Send an image, document, audio or video by link.",
  "whatsapp.getConversation": "Read the recent messages of the conversation.",
  "whatsapp.getStatus": "Check the number's connection and whether free text is allowed now.",
  "handoff.toHuman": "Hand the conversation to a teammate; the AI stops until released.",
  "memory.search": "Search what was remembered about this customer.",
  "memory.store": "Remember a fact about this customer for later conversations.",
  "agents.handoff": "Pass the conversation to another agent of the business, by slug.",
  "followUps.schedule": "Schedule a message for later (a template if the window has closed).",
  "lead.qualify": "Mark the customer as a qualified lead and send the facts to the CRM.",
};

export function ToolsSection({ draft, patch }: SectionProps) {
  const toggle = (tool: BuiltinTool, on: boolean) =>
    patch({
      tools: on
        ? BUILTIN_TOOLS.filter((t) => t === tool || draft.tools.includes(t))
        : draft.tools.filter((t) => t !== tool),
    });
  return (
    <Stack gap="sm">
      {BUILTIN_TOOLS.map((tool) => (
        <Checkbox
          key={tool}
          checked={draft.tools.includes(tool)}
          onChange={(e) => toggle(tool, e.currentTarget.checked)}
          label={
            <Text size="sm" ff="monospace">
              {tool}
            </Text>
          }
          description={TOOL_DESCRIPTIONS[tool]}
        />
      ))}
    </Stack>
  );
}

export function HandoffSection({ draft, patch }: SectionProps) {
  return (
    <Stack>
      <Textarea
        label="Fallback reply"
        description="Sent when the model keeps failing after its retries."
        autosize
        minRows={2}
        value={draft.fallbackReply}
        onChange={(e) => patch({ fallbackReply: e.currentTarget.value })}
      />
      <Switch
        label="Hand the conversation to a human after the fallback reply"
        checked={draft.handoffOnFailure}
        onChange={(e) => patch({ handoffOnFailure: e.currentTarget.checked })}
      />
      <Text size="sm" c="dimmed">
        With the agents.handoff tool on, this agent may pass a conversation to any other agent of
        the environment by slug. Escalation keywords, auto-release and where handoffs are announced
        are environment settings (Settings → Handoff).
      </Text>
    </Stack>
  );
}
