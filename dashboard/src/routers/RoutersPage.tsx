/** Routers of the environment: how each decides, its rules, its fallback, the numbers it answers. */
import { Anchor, Badge, Button, Group, Table, Text } from "@mantine/core";
import { IconGitFork } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useIsAdmin } from "../lib/who";
import { DataTable } from "../ui/DataTable";
import { PageHeader } from "../ui/PageHeader";
import { Empty, ListSkeleton } from "../ui/States";
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
  const admin = useIsAdmin();
  const agentName = (id: string) => agents?.find((a) => a._id === id)?.name ?? "…";
  const numbers = (id: string) =>
    (status?.connections ?? [])
      .filter((c) => c.routerId === id)
      .map((c) => c.label)
      .join(", ");
  return (
    <>
      <PageHeader
        title="Routers"
        description="A router picks which agent answers a conversation: ordered rules, then optionally the model, then a fallback."
        actions={
          <Button component={Link} to="new" disabled={!admin}>
            New router
          </Button>
        }
      />
      {routers === undefined ? (
        <ListSkeleton />
      ) : routers.length === 0 ? (
        <Empty
          icon={<IconGitFork size={28} />}
          title="No routers yet"
          description="Use a router when one number needs several agents (sales, support…)."
          action={
            <Button component={Link} to="new">
              New router
            </Button>
          }
        />
      ) : (
        <DataTable columns={["Router", "Mode", "Rules", "Fallback", "Numbers"]} label="Routers">
          {routers.map((r) => (
            <RouterRow
              key={r._id}
              r={r}
              fallback={agentName(r.fallbackAgentId)}
              numbers={numbers(r._id)}
            />
          ))}
        </DataTable>
      )}
    </>
  );
}
