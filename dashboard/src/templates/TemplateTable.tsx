/**
 * The list of a number's templates with their review status, quality rating and category; a
 * name opens the template; delete (its name stays locked for 30 days).
 */
import { Anchor, Badge, Group, Table, Text, Tooltip } from "@mantine/core";
import { useAction } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { isSendable } from "../inbox/templateForm";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { CategoryText, QualityBadge } from "./QualityBadge";

export type Template = FunctionReturnType<typeof api.whatsapp.templates.list>[number];

const STATUS_COLOR: Record<string, string> = {
  APPROVED: "teal",
  PENDING: "yellow",
  REJECTED: "red",
  PAUSED: "orange",
  DISABLED: "gray",
  IN_APPEAL: "violet",
};

export const DELETE_MESSAGE =
  "It is deleted at Meta in every language. Meta keeps the name locked for 30 days: a new template cannot reuse it until then.";

/** The review status (its reason on hover and below) and whether the inbox can send it. */
export function StatusBadges({ t }: { t: Template }) {
  return (
    <>
      <Group gap={4}>
        <Tooltip label={t.statusReason ?? t.status} disabled={!t.statusReason}>
          <Badge color={STATUS_COLOR[t.status.toUpperCase()] ?? "gray"}>{t.status}</Badge>
        </Tooltip>
        {isSendable(t) && (
          <Badge variant="outline" color="teal" size="sm">
            sendable from the inbox
          </Badge>
        )}
      </Group>
      {t.statusReason && (
        <Text size="xs" c="red">
          {t.statusReason}
        </Text>
      )}
    </>
  );
}

export function parts(t: Template): string {
  const list = Array.isArray(t.components)
    ? (t.components as { type: string; format?: string }[])
    : [];
  return list
    .map((c) =>
      c.type.toUpperCase() === "HEADER"
        ? `header ${String(c.format ?? "").toLowerCase()}`
        : c.type.toLowerCase(),
    )
    .join(" · ");
}

function TemplateRow({ t }: { t: Template }) {
  const environment = useEnvironment();
  const remove = useAction(api.whatsapp.templates.remove);
  const admin = useIsAdmin();
  return (
    <Table.Tr data-testid="template-row">
      <Table.Td>
        <Anchor
          component={Link}
          to={`/${environment}/templates/${t._id}`}
          fw={600}
          size="sm"
          ff="monospace"
        >
          {t.name}
        </Anchor>
        <Text size="xs" c="dimmed">
          {t.language}
        </Text>
      </Table.Td>
      <Table.Td>
        <StatusBadges t={t} />
      </Table.Td>
      <Table.Td>
        <QualityBadge quality={t.quality} />
      </Table.Td>
      <Table.Td>
        <CategoryText t={t} />
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed">
          {parts(t)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed">
          {formatTime(t.updatedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <ConfirmButton
          size="xs"
          variant="subtle"
          color="red"
          disabled={!admin}
          title={`Delete ${t.name}?`}
          confirmLabel="Delete template"
          message={DELETE_MESSAGE}
          onConfirm={() => remove({ environment, templateId: t._id })}
        >
          Delete
        </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}

export function TemplateTable({ templates }: { templates: Template[] }) {
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table verticalSpacing="sm" highlightOnHover aria-label="Templates">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Quality</Table.Th>
            <Table.Th>Category</Table.Th>
            <Table.Th>Parts</Table.Th>
            <Table.Th>Updated</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {templates.map((t) => (
            <TemplateRow key={t._id} t={t} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
