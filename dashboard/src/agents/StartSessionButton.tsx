/** Opens a playground session: the stand-in customer, the number whose persona to use, live HTTP tools or simulated. */
import { Button, Group, Modal, Select, Stack, Switch, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";

export function StartSessionButton({
  agentId,
  onStarted,
}: {
  agentId: Id<"agents">;
  onStarted: (id: string) => void;
}) {
  const environment = useEnvironment();
  const start = useMutation(api.console.playground.start);
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const admin = useIsAdmin();
  const [opened, { open, close }] = useDisclosure(false);
  const [name, setName] = useState("Alex Sample");
  const [phone, setPhone] = useState("+15550109999");
  const [connectionId, setConnectionId] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const { run, pending, error } = useRun();
  const submit = async () => {
    const id = await run(() =>
      start({
        environment,
        agentId,
        customer: { contactName: name, phoneNumber: phone },
        liveHttpTools: live,
        ...(connectionId ? { connectionId: connectionId as Id<"whatsappConnections"> } : {}),
      }),
    );
    if (id) {
      onStarted(id);
      close();
    }
  };
  return (
    <>
      <Button onClick={open} disabled={!admin}>
        New session
      </Button>
      <Modal opened={opened} onClose={close} title="New playground session" centered>
        <Stack>
          <TextInput
            label="Customer name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <TextInput
            label="Customer phone"
            value={phone}
            onChange={(e) => setPhone(e.currentTarget.value)}
          />
          <Select
            label="As if written to"
            placeholder="No number (no persona)"
            clearable
            value={connectionId}
            onChange={setConnectionId}
            data={(status?.connections ?? []).map((c) => ({
              value: c._id,
              label: `${c.label} ${c.phoneNumber ?? ""}`,
            }))}
          />
          <Switch
            label="Call HTTP tools for real (otherwise their results are simulated)"
            checked={live}
            onChange={(e) => setLive(e.currentTarget.checked)}
          />
          <ActionResult error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button loading={pending} onClick={() => void submit()}>
              Start
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
