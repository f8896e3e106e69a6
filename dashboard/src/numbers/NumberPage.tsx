/** One number (`/:env/numbers/:connectionId`): setup state, who answers, settings, credentials. */
import { Alert, Anchor, Badge, Button, Group, SimpleGrid, Stack } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { Link, useParams } from "react-router";
import { CopyField } from "../ui/CopyField";
import { PageHeader } from "../ui/PageHeader";
import { Empty, ListSkeleton } from "../ui/States";
import { DangerZone } from "./DangerZone";
import { HandlerForm } from "./HandlerForm";
import { NumberSettingsForm } from "./NumberSettingsForm";
import { SecurityPanel } from "./SecurityPanel";
import { StatusBadge } from "./StatusBadge";
import { useNumbersData } from "./useNumbersData";

export function NumberPage() {
  const { connectionId } = useParams();
  const data = useNumbersData();
  if (data === null) return <ListSkeleton rows={4} height={120} />;
  const c = data.status.connections.find((x) => x._id === connectionId);
  if (!c)
    return (
      <Empty
        title="No such number"
        description="It may belong to the other environment."
        action={
          <Button component={Link} to={`/${data.environment}/numbers`}>
            All numbers
          </Button>
        }
      />
    );
  return (
    <>
      <Anchor component={Link} to={`/${data.environment}/numbers`} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Numbers
        </Group>
      </Anchor>
      <PageHeader
        title={c.label}
        description={`${c.phoneNumber ?? "Number not known yet"} · ${c.provider === "meta" ? "Meta Cloud API" : "Kapso"}`}
        actions={
          <Group gap="xs">
            <StatusBadge status={c.status} />
            <Badge variant="outline">{c.pacing.messagesPerSecond} msg/s</Badge>
          </Group>
        }
      />
      <Stack>
        {c.status === "pending_setup" && (
          <Alert color="yellow" title="Waiting for setup">
            <Stack gap="xs">
              {c.setupLinkUrl ? (
                <CopyField label="Setup link" value={c.setupLinkUrl} />
              ) : (
                "Creating the setup link…"
              )}
              {c.setupLinkUrl && (
                <Button
                  component="a"
                  href={c.setupLinkUrl}
                  target="_blank"
                  rel="noreferrer"
                  w="fit-content"
                >
                  Open the setup link
                </Button>
              )}
              This page updates by itself when the number is connected.
            </Stack>
          </Alert>
        )}
        {c.setupError && (
          <Alert color="red" title="Setup failed">
            {c.setupError}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <HandlerForm key={`${c.agentId}${c.routerId}`} data={data} connection={c} />
          <NumberSettingsForm data={data} connection={c} />
          <SecurityPanel data={data} connection={c} />
          <DangerZone data={data} connection={c} />
        </SimpleGrid>
      </Stack>
    </>
  );
}
