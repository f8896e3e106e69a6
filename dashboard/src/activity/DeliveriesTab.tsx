/**
 * Webhook deliveries, newest first; "needs attention" first by default; a row opens its drawer;
 * "Replay failed…" replays every failed one since a time.
 */
import { Badge, Switch, Table, Text, UnstyledButton } from "@mantine/core";
import { IconChecks } from "@tabler/icons-react";
import { useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { formatTime } from "../lib/format";
import { DataTable } from "../ui/DataTable";
import { Empty, ListSkeleton } from "../ui/States";
import { BulkReplay } from "./BulkReplay";
import { DeliveryDrawer } from "./DeliveryDrawer";

type Delivery = FunctionReturnType<typeof api.whatsapp.deliveries.list>[number];

function DeliveryRow({ d, onOpen }: { d: Delivery; onOpen: () => void }) {
  return (
    <Table.Tr data-testid="delivery-row">
      <Table.Td>
        <UnstyledButton
          onClick={onOpen}
          aria-label={`Open delivery received ${formatTime(d.receivedAt)}`}
        >
          <Text size="sm" c="blue">
            {formatTime(d.receivedAt)}
          </Text>
        </UnstyledButton>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{d.source}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{d.eventType ?? ""}</Text>
      </Table.Td>
      <Table.Td>
        <Badge color={d.verdict === "accepted" ? "teal" : "red"} variant="light">
          {d.verdict}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="xs">
          {d.counts.messages} msg · {d.counts.statuses} status · {d.counts.duplicates} dup
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs" c={d.failed ? "red" : "dimmed"}>
          {d.deadLetter ? d.deadLetter.reason : ""}
          {d.resolvedAt ? " (resolved)" : ""}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

export function DeliveriesTab() {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const { itemId } = useParams();
  const [params, setParams] = useSearchParams();
  const failedOnly = params.get("all") === null;
  const deliveries = useQuery(api.whatsapp.deliveries.list, {
    environment,
    failedOnly,
    limit: 100,
  });
  const query = params.size > 0 ? `?${params.toString()}` : "";
  const base = `/${environment}/activity/deliveries`;
  return (
    <>
      <BulkReplay
        beside={
          <Switch
            label="Only deliveries that need attention"
            checked={failedOnly}
            onChange={(e) =>
              setParams(e.currentTarget.checked ? {} : { all: "1" }, { replace: true })
            }
          />
        }
      />
      {deliveries === undefined ? (
        <ListSkeleton />
      ) : deliveries.length === 0 ? (
        <Empty
          icon={<IconChecks size={28} />}
          title={failedOnly ? "Nothing needs attention" : "No deliveries yet"}
          description="Every webhook the providers send is listed here with what happened to it."
        />
      ) : (
        <DataTable
          columns={["Received", "Source", "Event", "Verdict", "Carried", "Problem"]}
          minWidth={720}
          label="Webhook deliveries"
        >
          {deliveries.map((d) => (
            <DeliveryRow
              key={d._id}
              d={d}
              onOpen={() => void navigate(`${base}/${d._id}${query}`)}
            />
          ))}
        </DataTable>
      )}
      <DeliveryDrawer deliveryId={itemId} onClose={() => void navigate(`${base}${query}`)} />
    </>
  );
}
