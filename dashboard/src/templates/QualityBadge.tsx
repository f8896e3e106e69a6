/**
 * A template's quality rating from Meta (GREEN, YELLOW, RED or UNKNOWN) as a coloured badge that
 * also says it in words, and its category with any change Meta announced.
 */
import { Badge, Group, Text, Tooltip } from "@mantine/core";
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import { formatTime } from "../lib/format";

type Template = FunctionReturnType<typeof api.whatsapp.templates.list>[number];

const QUALITY: Record<string, { color: string; label: string }> = {
  GREEN: { color: "teal", label: "High" },
  YELLOW: { color: "yellow", label: "Medium" },
  RED: { color: "red", label: "Low" },
  UNKNOWN: { color: "gray", label: "Unknown" },
};

export function QualityBadge({ quality }: { quality: Template["quality"] }) {
  const score = quality?.score.toUpperCase() ?? "UNKNOWN";
  const { color, label } = QUALITY[score] ?? { color: "gray", label: score };
  const tip = quality
    ? `Meta rated it ${score} on ${formatTime(quality.updatedAt)}` +
      (quality.previousScore ? ` (was ${quality.previousScore})` : "")
    : "Meta has not rated it yet.";
  return (
    <Tooltip label={tip}>
      <Badge color={color} variant="light" data-testid="template-quality">
        {label} · {score}
      </Badge>
    </Tooltip>
  );
}

export function CategoryText({
  t,
}: {
  t: Pick<Template, "category" | "previousCategory" | "categoryChange">;
}) {
  return (
    <Group gap={4} wrap="wrap">
      <Text size="sm">{t.category}</Text>
      {t.previousCategory && t.previousCategory !== t.category && (
        <Text size="xs" c="dimmed">
          (was {t.previousCategory})
        </Text>
      )}
      {t.categoryChange && (
        <Text size="xs" c="orange">
          becomes {t.categoryChange.to}
          {t.categoryChange.at ? ` on ${formatTime(t.categoryChange.at)}` : ""}
        </Text>
      )}
    </Group>
  );
}
