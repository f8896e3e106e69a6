/**
 * Create or edit an agent (`/:env/agents/new`, `/:env/agents/:agentId?tab=prompt`): every field
 * in tabs kept in the URL, saved together; duplicate and delete beside Save.
 */
import { Anchor, Badge, Group, Paper, Stack, Tabs } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { PageHeader } from "../ui/PageHeader";
import { ListSkeleton } from "../ui/States";
import { AgentActions } from "./AgentActions";
import { draftFromAgent, NEW_AGENT, type AgentDraft, type AgentView } from "./draft";
import { HttpToolsEditor } from "./HttpToolsEditor";
import { KnowledgeEditor } from "./KnowledgeEditor";
import { Playground } from "./Playground";
import { PromptEditor } from "./PromptEditor";
import { AllowedRecipients } from "./RecipientsEditor";
import { BasicsSection, HandoffSection, ModelSection, ToolsSection } from "./sections";

const TABS = [
  "basics",
  "prompt",
  "model",
  "tools",
  "http",
  "knowledge",
  "handoff",
  "playground",
] as const;
const TAB_LABEL: Record<(typeof TABS)[number], string> = {
  basics: "Basics",
  prompt: "Prompt",
  model: "Model",
  tools: "Tools",
  http: "HTTP tools",
  knowledge: "Knowledge",
  handoff: "Failure & handoff",
  playground: "Playground",
};

type Patch = (change: Partial<AgentDraft>) => void;

function AgentTabs({
  agent,
  draft,
  patch,
}: {
  agent: AgentView | null;
  draft: AgentDraft;
  patch: Patch;
}) {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((t) => t === params.get("tab")) ?? "basics";
  const section = { draft, patch, isNew: agent === null };
  const select = (t: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        n.set("tab", t ?? "basics");
        return n;
      },
      { replace: true },
    );
  return (
    <Tabs value={tab} onChange={select} keepMounted={false}>
      <Tabs.List mb="md">
        {TABS.filter((t) => t !== "playground" || agent !== null).map((t) => (
          <Tabs.Tab key={t} value={t}>
            {TAB_LABEL[t]}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      <Tabs.Panel value="basics">
        <BasicsSection {...section} />
      </Tabs.Panel>
      <Tabs.Panel value="prompt">
        <PromptEditor
          value={draft.systemPrompt}
          onChange={(systemPrompt) => patch({ systemPrompt })}
          agentId={agent?._id}
        />
      </Tabs.Panel>
      <Tabs.Panel value="model">
        <ModelSection {...section} />
      </Tabs.Panel>
      <Tabs.Panel value="tools">
        <Stack>
          <ToolsSection {...section} />
          {agent && <AllowedRecipients agentId={agent._id} saved={agent.allowedRecipients ?? []} />}
        </Stack>
      </Tabs.Panel>
      <Tabs.Panel value="http">
        <HttpToolsEditor
          tools={draft.httpTools}
          onChange={(httpTools) => patch({ httpTools })}
          agentId={agent?._id}
          saved={agent?.httpTools}
        />
      </Tabs.Panel>
      <Tabs.Panel value="knowledge">
        <KnowledgeEditor entries={draft.knowledge} onChange={(knowledge) => patch({ knowledge })} />
      </Tabs.Panel>
      <Tabs.Panel value="handoff">
        <HandoffSection {...section} />
      </Tabs.Panel>
      {agent && (
        <Tabs.Panel value="playground">
          <Playground agentId={agent._id} />
        </Tabs.Panel>
      )}
    </Tabs>
  );
}

function AgentEditor({ agent }: { agent: AgentView | null }) {
  const environment = useEnvironment();
  const [draft, setDraft] = useState<AgentDraft>(agent ? draftFromAgent(agent) : NEW_AGENT);
  const patch: Patch = (change) => setDraft((d) => ({ ...d, ...change }));
  return (
    <>
      <Anchor component={Link} to={`/${environment}/agents`} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Agents
        </Group>
      </Anchor>
      <PageHeader
        title={agent ? agent.name : "New agent"}
        description={
          agent ? (
            <Badge variant="outline">{agent.slug}</Badge>
          ) : (
            "An agent answers customers with a model, its prompt, tools and knowledge."
          )
        }
        actions={<AgentActions agent={agent} draft={draft} />}
      />
      <Paper withBorder p="md">
        <AgentTabs agent={agent} draft={draft} patch={patch} />
      </Paper>
    </>
  );
}

export function AgentEditorPage() {
  const { agentId } = useParams();
  const environment = useEnvironment();
  const agent = useQuery(
    api.agents.definitions.get,
    agentId ? { environment, agentId: agentId as Id<"agents"> } : "skip",
  );
  if (agentId && agent === undefined) return <ListSkeleton rows={5} height={60} />;
  return <AgentEditor key={agentId ?? "new"} agent={agent ?? null} />;
}
