/**
 * Who answers a number: an agent or a router, never both (switching replaces the other), or
 * nothing (the environment default answers; without one, messages are stored, not answered).
 */
import {
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import { handlerOf, handlerText } from "./handler";
import type { ConnectionView } from "./types";
import type { NumbersData } from "./useNumbersData";

type Kind = "agent" | "router" | "none";

function useSaveHandler(data: NumbersData, c: ConnectionView) {
  const setAgent = useMutation(api.whatsapp.connections.setAgent);
  const setRouter = useMutation(api.whatsapp.connections.setRouter);
  const clear = useMutation(api.whatsapp.connections.clearHandler);
  const { environment } = data;
  return (kind: Kind, id: string | null) => {
    const connectionId = c._id;
    if (kind === "agent" && id)
      return setAgent({
        environment,
        connectionId,
        agentId: id as Id<"agents">,
        replaceRouter: true,
      });
    if (kind === "router" && id)
      return setRouter({
        environment,
        connectionId,
        routerId: id as Id<"routers">,
        replaceAgent: true,
      });
    return clear({ environment, connectionId });
  };
}

export function HandlerForm({
  data,
  connection: c,
}: {
  data: NumbersData;
  connection: ConnectionView;
}) {
  const [kind, setKind] = useState<Kind>(c.agentId ? "agent" : c.routerId ? "router" : "none");
  const [id, setId] = useState<string | null>(c.agentId ?? c.routerId ?? null);
  const save = useSaveHandler(data, c);
  const admin = useIsAdmin();
  const { run, pending, error, done } = useRun();
  const current = handlerOf(c, data.agents, data.routers, data.status.defaultAgentId);
  const options =
    kind === "agent"
      ? data.agents.map((a) => ({ value: a._id, label: `${a.name} (${a.slug})` }))
      : data.routers.map((r) => ({ value: r._id, label: `${r.name} (${r.slug})` }));
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Who answers
        </Title>
        <Text size="sm">
          Currently answering: <b>{handlerText(current)}</b>
        </Text>
        {current.kind === "none" && (
          <Alert color="orange" icon={<IconAlertTriangle size={16} />} py="xs">
            No handler: messages are stored, not answered. Choose an agent or a router, or set the
            environment's default agent.
          </Alert>
        )}
        <SegmentedControl
          aria-label="Handler kind"
          value={kind}
          onChange={(v) => {
            setKind(v as Kind);
            setId(null);
          }}
          data={[
            { value: "agent", label: "Agent" },
            { value: "router", label: "Router" },
            { value: "none", label: "Environment default" },
          ]}
        />
        {kind !== "none" && (
          <Select
            label={kind === "agent" ? "Agent" : "Router"}
            placeholder={`Choose a ${kind}`}
            data={options}
            value={id}
            onChange={setId}
            searchable
          />
        )}
        <Group justify="flex-end">
          <Button
            disabled={!admin || (kind !== "none" && !id)}
            loading={pending}
            onClick={() => void run(() => save(kind, id), "Saved.")}
          >
            Save handler
          </Button>
        </Group>
        <ActionResult error={error} done={done} />
      </Stack>
    </Paper>
  );
}
