/** Agents of the environment: what each runs on, its tools and knowledge; create, open, duplicate. */
import { Anchor, Badge, Group, Table, Text } from "@mantine/core";
import { IconRobotOff } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { countOf, formatTime } from "../lib/format";
import { ListPage } from "../ui/ListPage";
import { knowledgeSize, type AgentView } from "./draft";

function AgentRow({ a, isDefault }: { a: AgentView; isDefault: boolean }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="xs">
          <Anchor component={Link} to={a._id} fw={600}>
            {a.name}
          </Anchor>
          <Badge variant="outline" size="sm">
            {a.slug}
          </Badge>
          {isDefault && <Badge size="sm">default</Badge>}
        </Group>
        {a.description && (
          <Text size="xs" c="dimmed" lineClamp={1}>
            {a.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {a.model} · {a.temperature}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {a.tools.length} built-in{a.httpTools?.length ? `, ${a.httpTools.length} HTTP` : ""}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {countOf(a.knowledge.length, "entry", "entries")} ·{" "}
          {countOf(knowledgeSize(a.knowledge), "char")}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed">
          {formatTime(a.updatedAt)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

export function AgentsPage() {
  const environment = useEnvironment();
  const agents = useQuery(api.agents.definitions.list, { environment });
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  return (
    <ListPage
      title="Agents"
      description="Each agent answers with a model, a system prompt, tools and knowledge."
      newLabel="New agent"
      items={agents}
      empty={{
        icon: <IconRobotOff size={28} />,
        title: "No agents yet",
        description: "Create one, then give it a number or a router.",
      }}
      columns={["Agent", "Model", "Tools", "Knowledge", "Updated"]}
      minWidth={720}
      renderRow={(a) => <AgentRow key={a._id} a={a} isDefault={status?.defaultAgentId === a._id} />}
    />
  );
}
