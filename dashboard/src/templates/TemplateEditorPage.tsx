/**
 * New template for one number (`/:env/templates/new?number=…`), submitted to Meta for review;
 * an existing one (`/:env/templates/:templateId`) opens with its status, quality and category.
 */
import { Anchor, Group, Select } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useAction } from "convex/react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { PageHeader } from "../ui/PageHeader";
import { Empty, ListSkeleton } from "../ui/States";
import { ExistingTemplate } from "./ExistingTemplate";
import { TemplateEditorForm } from "./TemplateEditorForm";
import { useTemplateNumber } from "./useTemplateNumber";

export function TemplateEditorPage() {
  const { templateId } = useParams();
  return templateId ? (
    <ExistingTemplate key={templateId} templateId={templateId as Id<"templates">} />
  ) : (
    <NewTemplate />
  );
}

function NewTemplate() {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const create = useAction(api.whatsapp.templates.create);
  const { loading, connected, connectionId, choose } = useTemplateNumber();
  const { run, pending, error } = useRun();
  if (loading) return <ListSkeleton />;
  if (!connectionId)
    return (
      <Empty
        title="No connected number"
        description="Templates belong to a number's WhatsApp Business Account: connect one first."
      />
    );
  return (
    <>
      <Anchor component={Link} to={`/${environment}/templates?number=${connectionId}`} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Templates
        </Group>
      </Anchor>
      <PageHeader
        title="New template"
        description="Templates are the only messages allowed after the 24-hour window; Meta reviews each one."
        actions={
          <Select
            aria-label="Number"
            w={280}
            allowDeselect={false}
            value={connectionId}
            onChange={choose}
            data={connected.map((c) => ({
              value: c._id,
              label: `${c.label} ${c.phoneNumber ?? ""}`,
            }))}
          />
        }
      />
      <TemplateEditorForm
        pending={pending}
        error={error}
        onSubmit={(d, components) =>
          void run(async () => {
            await create({
              environment,
              connectionId,
              name: d.name,
              language: d.language,
              category: d.category,
              parameterFormat: d.parameterFormat,
              components,
            });
            void navigate(`/${environment}/templates?number=${connectionId}`);
          })
        }
      />
    </>
  );
}
