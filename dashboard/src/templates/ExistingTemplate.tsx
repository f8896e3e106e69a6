/**
 * An existing template (`/:env/templates/:templateId`): review status, Meta's quality rating,
 * category (and a change Meta announced), the latest event, and the phone preview read back from
 * its components; delete with confirmation. Meta reviews a template as submitted, so a change is
 * a new template.
 */
import { Anchor, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useAction, useQuery } from "convex/react";
import { useRef, useState, type ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { PageHeader } from "../ui/PageHeader";
import { ListSkeleton } from "../ui/States";
import { draftFromTemplate } from "./definition";
import { CategoryText, QualityBadge } from "./QualityBadge";
import { TemplatePreview } from "./TemplatePreview";
import { DELETE_MESSAGE, parts, StatusBadges, type Template } from "./TemplateTable";

function Facts({ t }: { t: Template }) {
  const rows: [string, ReactNode][] = [
    ["Status", <StatusBadges t={t} />],
    ["Quality", <QualityBadge quality={t.quality} />],
    ["Category", <CategoryText t={t} />],
    ["Language", <Text size="sm">{t.language}</Text>],
    ["Variables", <Text size="sm">{t.parameterFormat === "named" ? "named" : "numbered"}</Text>],
    ["Parts", <Text size="sm">{parts(t) || "—"}</Text>],
    [
      "Latest event",
      <Text size="sm">
        {t.lastEvent
          ? `${t.lastEvent.event}${t.lastEvent.detail ? `: ${t.lastEvent.detail}` : ""} (${formatTime(t.lastEvent.at)})`
          : "—"}
      </Text>,
    ],
    ["Updated", <Text size="sm">{formatTime(t.updatedAt)}</Text>],
  ];
  return (
    <Table withRowBorders={false} verticalSpacing={6} aria-label="Template">
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={130} style={{ verticalAlign: "top" }}>
              <Text size="sm" c="dimmed">
                {k}
              </Text>
            </Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The page itself, given the template (component tests render it directly). */
export function TemplateOverview({ t, onDelete }: { t: Template; onDelete: () => Promise<void> }) {
  const environment = useEnvironment();
  const admin = useIsAdmin();
  const back = `/${environment}/templates?number=${t.connectionId}`;
  return (
    <>
      <Anchor component={Link} to={back} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Templates
        </Group>
      </Anchor>
      <PageHeader
        title={t.name}
        description="Meta reviews a template as it was submitted: to change one, create a new template."
        actions={
          <ConfirmButton
            variant="light"
            color="red"
            disabled={!admin}
            title={`Delete ${t.name}?`}
            confirmLabel="Delete template"
            message={DELETE_MESSAGE}
            onConfirm={onDelete}
          >
            Delete
          </ConfirmButton>
        }
      />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Paper withBorder p="md">
          <Facts t={t} />
        </Paper>
        <Stack>
          <Title order={2} size="h5">
            Preview
          </Title>
          <TemplatePreview draft={draftFromTemplate(t)} />
        </Stack>
      </SimpleGrid>
    </>
  );
}

export function ExistingTemplate({ templateId }: { templateId: Id<"templates"> }) {
  const environment = useEnvironment();
  const navigate = useNavigate();
  // While it is being deleted the page keeps the last copy instead of reading a deleted row.
  const [deleting, setDeleting] = useState(false);
  const live = useQuery(
    api.whatsapp.templates.get,
    deleting ? "skip" : { environment, templateId },
  );
  const last = useRef(live);
  if (live !== undefined) last.current = live;
  const template = live ?? (deleting ? last.current : undefined);
  const remove = useAction(api.whatsapp.templates.remove);
  if (template === undefined) return <ListSkeleton />;
  return (
    <TemplateOverview
      t={template}
      onDelete={async () => {
        setDeleting(true);
        try {
          await remove({ environment, templateId });
        } catch (error) {
          setDeleting(false);
          throw error;
        }
        void navigate(`/${environment}/templates?number=${template.connectionId}`);
      }}
    />
  );
}
