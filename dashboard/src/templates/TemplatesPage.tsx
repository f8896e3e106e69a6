/**
 * Templates of one number (`/:env/templates?number=…`): status, category, language, whether the
 * inbox can send it, rejection reasons; sync from Meta, create, delete.
 */
import { Button, Group, Select } from "@mantine/core";
import { IconTemplate } from "@tabler/icons-react";
import { useAction, useQuery } from "convex/react";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { PageHeader } from "../ui/PageHeader";
import { ActionResult, Empty, ListSkeleton } from "../ui/States";
import { TemplateTable } from "./TemplateTable";
import { useTemplateNumber } from "./useTemplateNumber";

export function TemplatesPage() {
  const environment = useEnvironment();
  const { loading, connected, connectionId, choose } = useTemplateNumber();
  const templates = useQuery(
    api.whatsapp.templates.list,
    connectionId ? { environment, connectionId } : "skip",
  );
  const sync = useAction(api.whatsapp.templates.sync);
  const admin = useIsAdmin();
  const { run, pending, error } = useRun();
  const [synced, setSynced] = useState<number | null>(null);
  const actions = connectionId && (
    <Group gap="xs">
      <Select
        aria-label="Number"
        w={280}
        allowDeselect={false}
        value={connectionId}
        onChange={choose}
        data={connected.map((c) => ({ value: c._id, label: `${c.label} ${c.phoneNumber ?? ""}` }))}
      />
      <Button
        variant="default"
        loading={pending}
        onClick={() => void run(async () => setSynced(await sync({ environment, connectionId })))}
      >
        Sync now
      </Button>
      <Button component={Link} to={`new?number=${connectionId}`} disabled={!admin}>
        New template
      </Button>
    </Group>
  );
  return (
    <>
      <PageHeader
        title="Templates"
        description="Pre-approved messages: the only kind WhatsApp delivers after the customer has been silent for 24 hours."
        actions={actions}
      />
      <ActionResult
        error={error}
        done={synced !== null ? `Synced ${synced} template(s) from Meta.` : null}
      />
      {loading ? (
        <ListSkeleton />
      ) : !connectionId ? (
        <Empty
          icon={<IconTemplate size={28} />}
          title="No connected number"
          description="Templates belong to a number's WhatsApp Business Account: connect a number first."
        />
      ) : templates === undefined ? (
        <ListSkeleton />
      ) : templates.length === 0 ? (
        <Empty
          icon={<IconTemplate size={28} />}
          title="No templates on this number"
          description="Create one, or sync if it was made in Meta's WhatsApp Manager."
        />
      ) : (
        <TemplateTable templates={templates} />
      )}
    </>
  );
}
