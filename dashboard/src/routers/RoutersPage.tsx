/** Routers of the environment: how each decides, its rules, its fallback, the numbers it answers. */
import { Anchor, Badge, Group, Table, Text } from "@mantine/core";
import { IconGitFork } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { ListPage } from "../ui/ListPage";
import type { RouterView } from "./draft";

function RouterRow({ r, fallback, numbers }: { r: RouterView; fallback: string; numbers: string }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="xs">
          <Anchor component={Link} to={r._id} fw={600}>
            {r.name}
          </Anchor>
          <Badge variant="outline" size="sm">
            {r.slug}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{r.mode === "classify" ? "Rules + model" : "Rules"}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{r.rules.length}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{fallback}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{numbers || "—"}</Text>
      </Table.Td>
    </Table.Tr>
  );
}

export function RoutersPage() {
  const environment = useEnvironment();
  const routers = useQuery(api.agents.routers.list, { environment });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const agentName = (id: string) => agents?.find((a) => a._id === id)?.name ?? "…";
  const numbers = (id: string) =>
    (status?.connections ?? [])
      .filter((c) => c.routerId === id)
      .map((c) => c.label)
      .join(", ");
  return (
    <ListPage
      title="Routers"
      description="A router picks which agent answers a conversation: ordered rules, then optionally the model, then a fallback."
      newLabel="New router"
      items={routers}
      empty={{
        icon: <IconGitFork size={28} />,
        title: "No routers yet",
        description: "Use a router when one number needs several agents (sales, support…).",
      }}
      columns={["Router", "Mode", "Rules", "Fallback", "Numbers"]}
      renderRow={(r) => (
        <RouterRow
          key={r._id}
          r={r}
          fallback={agentName(r.fallbackAgentId)}
          numbers={numbers(r._id)}
        />
      )}
    />
  );
}
