/** One figure with what it counts (its denominator) written under it. */
import { Paper, Text, Tooltip } from "@mantine/core";

export function StatCard({
  label,
  value,
  detail,
  help,
}: {
  label: string;
  value: string;
  detail: string;
  help: string;
}) {
  return (
    <Tooltip label={help} multiline maw={300}>
      <Paper withBorder p="md" tabIndex={0} aria-label={`${label}: ${value}. ${detail}`}>
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          {label}
        </Text>
        <Text size="xl" fw={700}>
          {value}
        </Text>
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      </Paper>
    </Tooltip>
  );
}
