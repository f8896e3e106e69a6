/** Agent runs, newest first, filtered by outcome and agent; each opens its details and links to its conversation. */
import { Anchor, Badge, Group, Popover, Select, Table, Text, UnstyledButton } from "@mantine/core";
import { IconRobot } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import { RunPanel } from "../inbox/RunDetails";
import type { RunView } from "../inbox/types";
import { useEnvironment } from "../lib/environment";
import { formatTime, formatUsd } from "../lib/format";
import { DataTable } from "../ui/DataTable";
import { Empty, ListSkeleton } from "../ui/States";

const OUTCOME_COLOR: Record<string, string> = {
  replied: "teal",
  failed: "red",
  handed_off: "orange",
  no_handler: "red",
  running: "yellow",
};
const OUTCOMES = [
  "replied",
  "silent",
  "superseded",
  "handed_off",
  "passed_on",
  "failed",
  "no_handler",
  "running",
];

function RunRow({ r, agentName }: { r: RunView; agentName: string }) {
  const environment = useEnvironment();
  return (
    <Table.Tr>
      <Table.Td>
        <Popover width={380} position="bottom-start" shadow="md">
          <Popover.Target>
            <UnstyledButton aria-label={`Details of the run started ${formatTime(r.startedAt)}`}>
              <Text size="sm" c="blue">
                {formatTime(r.startedAt)}
              </Text>
            </UnstyledButton>
          </Popover.Target>
          <Popover.Dropdown>
            <RunPanel run={r} />
          </Popover.Dropdown>
        </Popover>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{agentName}</Text>
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={OUTCOME_COLOR[r.outcome] ?? "gray"}>
          {r.outcome}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="xs" lineClamp={2}>
          {r.decision?.reason ?? r.note ?? r.error ?? ""}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">
          {r.tokensIn}/{r.tokensOut} · {formatUsd(r.costUsd)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs">{r.latencyMs !== undefined ? `${r.latencyMs} ms` : ""}</Text>
      </Table.Td>
      <Table.Td>
        <Anchor component={Link} to={`/${environment}/inbox/${r.threadId}`} size="sm">
          Open
        </Anchor>
      </Table.Td>
    </Table.Tr>
  );
}

export function RunsTab() {
  const environment = useEnvironment();
  const runs = useQuery(api.agents.runs.list, { environment, limit: 200 });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const [params, setParams] = useSearchParams();
  const outcome = params.get("outcome");
  const agent = params.get("agent");
  const set = (key: string, value: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (value) n.set(key, value);
        else n.delete(key);
        return n;
      },
      { replace: true },
    );
  const name = (id: string | undefined) => agents?.find((a) => a._id === id)?.name ?? "—";
  const shown = (runs ?? []).filter(
    (r) => (!outcome || r.outcome === outcome) && (!agent || r.agentId === agent),
  );
  return (
    <>
      <Group mb="md">
        <Select
          aria-label="Outcome"
          placeholder="Any outcome"
          clearable
          value={outcome}
          onChange={(v) => set("outcome", v)}
          data={OUTCOMES}
        />
        <Select
          aria-label="Agent"
          placeholder="Any agent"
          clearable
          value={agent}
          onChange={(v) => set("agent", v)}
          data={(agents ?? []).map((a) => ({ value: a._id, label: a.name }))}
        />
      </Group>
      {runs === undefined ? (
        <ListSkeleton />
      ) : shown.length === 0 ? (
        <Empty
          icon={<IconRobot size={28} />}
          title="No agent runs"
          description="Each time an agent answers (or decides not to), its run is recorded here."
        />
      ) : (
        <DataTable
          columns={["Started", "Agent", "Outcome", "Decision", "Tokens", "Latency", "Conversation"]}
          minWidth={760}
          label="Agent runs"
        >
          {shown.map((r) => (
            <RunRow key={r._id} r={r} agentName={name(r.agentId)} />
          ))}
        </DataTable>
      )}
    </>
  );
}
