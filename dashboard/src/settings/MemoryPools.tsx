/** Memory pools: numbers in one pool share what agents remember about a customer. */
import { Badge, Button, Group, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ConfirmButton } from "../ui/ConfirmButton";
import { DataTable } from "../ui/DataTable";
import { ActionResult, Empty, ListSkeleton } from "../ui/States";

type Pool = FunctionReturnType<typeof api.customers.memoryPools.list>[number];

function NewPool() {
  const environment = useEnvironment();
  const create = useMutation(api.customers.memoryPools.create);
  const admin = useIsAdmin();
  const [name, setName] = useState("");
  const { run, pending, error } = useRun();
  return (
    <Paper withBorder p="md">
      <Group align="flex-end">
        <TextInput
          label="New pool"
          placeholder="Retail brand"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          style={{ flex: 1 }}
        />
        <Button
          disabled={!admin || name.trim() === ""}
          loading={pending}
          onClick={() =>
            void run(async () => {
              await create({ environment, name });
              setName("");
            })
          }
        >
          Create
        </Button>
      </Group>
      <ActionResult error={error} />
    </Paper>
  );
}

function PoolRow({ p, label }: { p: Pool; label: (id: string) => string }) {
  const environment = useEnvironment();
  const remove = useMutation(api.customers.memoryPools.remove);
  const admin = useIsAdmin();
  return (
    <Table.Tr>
      <Table.Td>
        <Text fw={600} size="sm">
          {p.name}
        </Text>
      </Table.Td>
      <Table.Td>
        {p.connectionIds.length === 0 ? (
          <Text size="sm" c="dimmed">
            none
          </Text>
        ) : (
          p.connectionIds.map((id) => (
            <Badge key={id} variant="light" mr={4}>
              {label(id)}
            </Badge>
          ))
        )}
      </Table.Td>
      <Table.Td>
        <ConfirmButton
          size="xs"
          variant="subtle"
          color="red"
          disabled={!admin}
          title={`Delete ${p.name}?`}
          confirmLabel="Delete pool"
          message="Only a pool no number uses can be deleted."
          onConfirm={() => remove({ environment, memoryPoolId: p._id })}
        >
          Delete
        </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}

export function MemoryPools() {
  const environment = useEnvironment();
  const pools = useQuery(api.customers.memoryPools.list, { environment });
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const label = (id: string) => status?.connections.find((c) => c._id === id)?.label ?? id;
  if (pools === undefined) return <ListSkeleton />;
  return (
    <Stack maw={760}>
      <NewPool />
      {pools.length === 0 ? (
        <Empty
          title="No memory pools"
          description="Without a pool, each number remembers its customers on its own."
        />
      ) : (
        <DataTable columns={["Pool", "Numbers", ""]} minWidth={480} label="Memory pools">
          {pools.map((p) => (
            <PoolRow key={p._id} p={p} label={label} />
          ))}
        </DataTable>
      )}
    </Stack>
  );
}
