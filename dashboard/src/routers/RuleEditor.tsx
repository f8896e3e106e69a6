/** One rule of a router: what it matches and which agent answers when it does. */
import { Group, MultiSelect, Select, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import type { RouterMatch } from "../../../convex/lib/validators";
import { emptyMatch, MATCH_KINDS, type RuleDraft } from "./draft";

const MESSAGE_TYPES = [
  "text",
  "image",
  "audio",
  "video",
  "document",
  "sticker",
  "location",
  "contacts",
  "interactive",
  "button",
  "reaction",
  "order",
];

function MatchInputs({
  match,
  onChange,
  n,
}: {
  match: RouterMatch;
  onChange: (m: RouterMatch) => void;
  n: number;
}) {
  switch (match.kind) {
    case "keyword":
      return (
        <TagsInput
          aria-label={`Rule ${n} keywords`}
          placeholder="Type a keyword, Enter"
          value={match.keywords}
          onChange={(keywords) => onChange({ ...match, keywords })}
          style={{ flex: 1 }}
        />
      );
    case "regex":
      return (
        <Group gap="xs" style={{ flex: 1 }} wrap="nowrap">
          <TextInput
            aria-label={`Rule ${n} pattern`}
            placeholder="refund|return"
            ff="monospace"
            value={match.pattern}
            onChange={(e) => onChange({ ...match, pattern: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <TextInput
            aria-label={`Rule ${n} flags`}
            placeholder="i"
            w={60}
            value={match.flags ?? ""}
            onChange={(e) => onChange({ ...match, flags: e.currentTarget.value || undefined })}
          />
        </Group>
      );
    case "interactiveReplyId":
      return (
        <TagsInput
          aria-label={`Rule ${n} reply ids`}
          placeholder="Button or row id, Enter"
          value={match.ids}
          onChange={(ids) => onChange({ ...match, ids })}
          style={{ flex: 1 }}
        />
      );
    case "messageType":
      return (
        <MultiSelect
          aria-label={`Rule ${n} message types`}
          data={MESSAGE_TYPES}
          value={match.types}
          onChange={(types) => onChange({ ...match, types })}
          style={{ flex: 1 }}
        />
      );
    case "contactAttribute":
      return (
        <Group gap="xs" style={{ flex: 1 }} wrap="nowrap">
          <TextInput
            aria-label={`Rule ${n} attribute`}
            placeholder="attribute"
            value={match.key}
            onChange={(e) => onChange({ ...match, key: e.currentTarget.value })}
          />
          <TextInput
            aria-label={`Rule ${n} value`}
            placeholder="equals"
            value={match.equals}
            onChange={(e) => onChange({ ...match, equals: e.currentTarget.value })}
          />
        </Group>
      );
  }
}

type Props = {
  rule: RuleDraft;
  n: number;
  agents: { value: string; label: string }[];
  onChange: (rule: RuleDraft) => void;
};

export function RuleEditor({ rule, n, agents, onChange }: Props) {
  return (
    <Stack gap="xs" style={{ flex: 1 }}>
      <Group gap="xs" wrap="nowrap">
        <Select
          aria-label={`Rule ${n} kind`}
          w={220}
          allowDeselect={false}
          data={MATCH_KINDS}
          value={rule.match.kind}
          onChange={(kind) =>
            onChange({ ...rule, match: emptyMatch((kind ?? "keyword") as RouterMatch["kind"]) })
          }
        />
        <Text size="sm" c="dimmed">
          → answered by
        </Text>
        <Select
          aria-label={`Rule ${n} agent`}
          placeholder="Agent"
          style={{ flex: 1 }}
          data={agents}
          value={rule.agentId}
          error={rule.agentId ? undefined : "Choose an agent"}
          onChange={(id) => onChange({ ...rule, agentId: id as RuleDraft["agentId"] })}
        />
      </Group>
      <Group gap="xs" wrap="nowrap">
        <MatchInputs match={rule.match} n={n} onChange={(match) => onChange({ ...rule, match })} />
      </Group>
    </Stack>
  );
}
