/**
 * The router's rules in order (the first that matches decides): drag a rule by its handle, or
 * use the arrow buttons (keyboard), to reorder; the tester marks the rule that matched.
 */
import { ActionIcon, Badge, Button, Group, Paper, Stack, Text } from "@mantine/core";
import {
  IconArrowDown,
  IconArrowUp,
  IconGripVertical,
  IconPlus,
  IconTrash,
} from "@tabler/icons-react";
import { useState } from "react";
import { emptyMatch, moveRule, type RuleDraft } from "./draft";
import { RuleEditor } from "./RuleEditor";

type Props = {
  rules: RuleDraft[];
  agents: { value: string; label: string }[];
  matched: number | null;
  onChange: (rules: RuleDraft[]) => void;
};

type RowProps = {
  rule: RuleDraft;
  i: number;
  count: number;
  agents: Props["agents"];
  matched: boolean;
  dragging: boolean;
  onChange: (rule: RuleDraft) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
  drag: { onDragStart: () => void; onDragEnd: () => void; onDrop: () => void };
};

function RuleRow({
  rule,
  i,
  count,
  agents,
  matched,
  dragging,
  onChange,
  onMove,
  onRemove,
  drag,
}: RowProps) {
  return (
    <Paper
      withBorder
      p="xs"
      data-testid="router-rule"
      draggable
      {...drag}
      onDragOver={(e) => e.preventDefault()}
      style={{
        borderColor: matched ? "var(--mantine-color-teal-6)" : undefined,
        opacity: dragging ? 0.5 : 1,
      }}
    >
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <Stack gap={2} align="center">
          <IconGripVertical size={16} style={{ cursor: "grab" }} aria-hidden />
          <Badge size="sm" variant={matched ? "filled" : "light"} color={matched ? "teal" : "gray"}>
            {i + 1}
          </Badge>
        </Stack>
        <RuleEditor rule={rule} n={i + 1} agents={agents} onChange={onChange} />
        <Group gap={2} wrap="nowrap">
          <ActionIcon
            variant="subtle"
            aria-label={`Move rule ${i + 1} up`}
            disabled={i === 0}
            onClick={() => onMove(i - 1)}
          >
            <IconArrowUp size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            aria-label={`Move rule ${i + 1} down`}
            disabled={i === count - 1}
            onClick={() => onMove(i + 1)}
          >
            <IconArrowDown size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove rule ${i + 1}`}
            onClick={onRemove}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Group>
    </Paper>
  );
}

export function RuleList({ rules, agents, matched, onChange }: Props) {
  const [dragging, setDragging] = useState<number | null>(null);
  return (
    <Stack gap="xs">
      {rules.length === 0 && (
        <Text size="sm" c="dimmed">
          No rules: every message goes to the classifier or the fallback agent.
        </Text>
      )}
      {rules.map((rule, i) => (
        <RuleRow
          key={i}
          rule={rule}
          i={i}
          count={rules.length}
          agents={agents}
          matched={matched === i}
          dragging={dragging === i}
          onChange={(r) => onChange(rules.map((x, j) => (j === i ? r : x)))}
          onMove={(to) => onChange(moveRule(rules, i, to))}
          onRemove={() => onChange(rules.filter((_, j) => j !== i))}
          drag={{
            onDragStart: () => setDragging(i),
            onDragEnd: () => setDragging(null),
            onDrop: () => {
              if (dragging !== null) onChange(moveRule(rules, dragging, i));
              setDragging(null);
            },
          }}
        />
      ))}
      <Button
        variant="default"
        w="fit-content"
        leftSection={<IconPlus size={16} />}
        onClick={() => onChange([...rules, { match: emptyMatch("keyword"), agentId: null }])}
      >
        Add rule
      </Button>
    </Stack>
  );
}
