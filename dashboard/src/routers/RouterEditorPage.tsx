/**
 * Create or edit a router (`/:env/routers/new`, `/:env/routers/:routerId`): ordered rules,
 * optional classification by the model, the required fallback, and the tester beside them.
 */
import {
  Anchor,
  Badge,
  Button,
  Group,
  MultiSelect,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { slugify } from "../agents/draft";
import { useEnvironment } from "../lib/environment";
import { PageHeader } from "../ui/PageHeader";
import { ListSkeleton } from "../ui/States";
import { draftFromRouter, NEW_ROUTER, type RouterDraft, type RouterView } from "./draft";
import { RouterActions } from "./RouterActions";
import { RouterTester } from "./RouterTester";
import type { RouterPreview } from "./RouterTesterView";
import { RuleList } from "./RuleList";

type Options = { value: string; label: string }[];

function Classifier({
  draft,
  patch,
  agents,
}: {
  draft: RouterDraft;
  patch: (c: Partial<RouterDraft>) => void;
  agents: Options;
}) {
  return (
    <Stack gap="xs">
      <MultiSelect
        label="Agents the model may choose"
        description="Each agent's description tells the model what it handles."
        data={agents}
        value={draft.classifierAgentIds}
        onChange={(ids) => patch({ classifierAgentIds: ids as Id<"agents">[] })}
      />
      <Textarea
        label="Instructions for the classification"
        autosize
        minRows={2}
        value={draft.classifierPrompt}
        onChange={(e) => patch({ classifierPrompt: e.currentTarget.value })}
      />
    </Stack>
  );
}

type Patch = (c: Partial<RouterDraft>) => void;

function RouterForm({
  draft,
  patch,
  agents,
  isNew,
  matched,
}: {
  draft: RouterDraft;
  patch: Patch;
  agents: Options;
  isNew: boolean;
  matched: number | null;
}) {
  const rename = (name: string) =>
    patch(isNew && draft.slug === slugify(draft.name) ? { name, slug: slugify(name) } : { name });
  return (
    <Paper withBorder p="md">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Name"
            required
            value={draft.name}
            onChange={(e) => rename(e.currentTarget.value)}
          />
          <TextInput
            label="Slug"
            required
            value={draft.slug}
            onChange={(e) => patch({ slug: e.currentTarget.value })}
          />
        </SimpleGrid>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Mode
          </Text>
          <SegmentedControl
            aria-label="Mode"
            value={draft.mode}
            onChange={(m) => patch({ mode: m as RouterDraft["mode"] })}
            data={[
              { value: "rules", label: "Rules only" },
              { value: "classify", label: "Rules, then the model classifies" },
            ]}
          />
        </Stack>
        <Title order={3} size="h5">
          Rules (first match wins)
        </Title>
        <RuleList
          rules={draft.rules}
          agents={agents}
          matched={matched}
          onChange={(rules) => patch({ rules })}
        />
        {draft.mode === "classify" && <Classifier draft={draft} patch={patch} agents={agents} />}
        <Select
          label="Fallback agent"
          description="Required: answers whatever no rule (or the model) assigns."
          required
          data={agents}
          value={draft.fallbackAgentId}
          error={draft.fallbackAgentId ? undefined : "A router needs a fallback agent."}
          onChange={(id) => patch({ fallbackAgentId: id as Id<"agents"> | null })}
        />
      </Stack>
    </Paper>
  );
}

function RouterEditor({ router, agents }: { router: RouterView | null; agents: Options }) {
  const environment = useEnvironment();
  const [draft, setDraft] = useState<RouterDraft>(router ? draftFromRouter(router) : NEW_ROUTER);
  const [preview, setPreview] = useState<RouterPreview | undefined>();
  const patch: Patch = (c) => setDraft((d) => ({ ...d, ...c }));
  const withAgent = draft.rules.flatMap((r, i) => (r.agentId ? [i] : []));
  const matched = preview?.matchedRule != null ? (withAgent[preview.matchedRule] ?? null) : null;
  return (
    <>
      <Anchor component={Link} to={`/${environment}/routers`} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Routers
        </Group>
      </Anchor>
      <PageHeader
        title={router ? router.name : "New router"}
        description={
          router ? (
            <Badge variant="outline">{router.slug}</Badge>
          ) : (
            "A router picks the agent for each conversation: rules first, then the model, then the fallback."
          )
        }
        actions={<RouterActions router={router} draft={draft} />}
      />
      <SimpleGrid cols={{ base: 1, xl: 2 }}>
        <RouterForm
          draft={draft}
          patch={patch}
          agents={agents}
          isNew={router === null}
          matched={matched}
        />
        <Stack>
          <RouterTester draft={draft} onResult={setPreview} />
        </Stack>
      </SimpleGrid>
    </>
  );
}

export function RouterEditorPage() {
  const { routerId } = useParams();
  const environment = useEnvironment();
  const router = useQuery(
    api.agents.routers.get,
    routerId ? { environment, routerId: routerId as Id<"routers"> } : "skip",
  );
  const agents = useQuery(api.agents.definitions.list, { environment });
  if ((routerId && router === undefined) || agents === undefined)
    return <ListSkeleton rows={5} height={60} />;
  if (agents.length === 0)
    return (
      <Text>
        Create an agent first: a router hands conversations to agents.{" "}
        <Button component={Link} to={`/${environment}/agents/new`} size="xs">
          New agent
        </Button>
      </Text>
    );
  const options = agents.map((a) => ({ value: a._id, label: `${a.name} (${a.slug})` }));
  return <RouterEditor key={routerId ?? "new"} router={router ?? null} agents={options} />;
}
