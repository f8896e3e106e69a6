/** One number in the list: label, phone, provider, state, who answers it, and setup progress. */
import { Alert, Anchor, Badge, Group, Paper, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { Link } from "react-router";
import { CopyField } from "../ui/CopyField";
import { handlerOf, handlerText } from "./handler";
import { StatusBadge } from "./StatusBadge";
import type { ConnectionView } from "./types";
import type { NumbersData } from "./useNumbersData";

export function NumberCard({
  connection: c,
  data,
}: {
  connection: ConnectionView;
  data: NumbersData;
}) {
  const handler = handlerOf(c, data.agents, data.routers, data.status.defaultAgentId);
  return (
    <Paper withBorder p="md" data-testid="number-card">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Anchor component={Link} to={`/${data.environment}/numbers/${c._id}`} fw={600}>
            {c.label}
          </Anchor>
          <StatusBadge status={c.status} />
        </Group>
        <Group gap="xs">
          <Text size="sm">{c.phoneNumber ?? "Number not known yet"}</Text>
          <Badge variant="outline" color="gray" size="sm">
            {c.provider === "meta" ? "Meta Cloud API" : "Kapso"}
          </Badge>
        </Group>
        {c.status === "connected" && handler.kind === "none" ? (
          <Alert color="orange" py={4} icon={<IconAlertTriangle size={16} />}>
            {handlerText(handler)}
          </Alert>
        ) : (
          <Text size="sm" c="dimmed">
            Answered by: {handlerText(handler)}
          </Text>
        )}
        {c.status === "pending_setup" && !c.setupLinkUrl && !c.setupError && (
          <Text size="sm" c="dimmed">
            Creating the setup link…
          </Text>
        )}
        {c.status === "pending_setup" && c.setupLinkUrl && (
          <CopyField label="Setup link" value={c.setupLinkUrl} />
        )}
        {c.setupError && (
          <Alert color="red" py={4} title="Setup failed">
            {c.setupError}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
