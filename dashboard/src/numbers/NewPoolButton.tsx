/** Creates a memory pool from the number form, and selects it. */
import { Button, Group, Popover, Stack, TextInput } from "@mantine/core";
import { useMutation } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { ActionResult } from "../ui/States";

export function NewPoolButton({ onCreated }: { onCreated: (id: string) => void }) {
  const environment = useEnvironment();
  const create = useMutation(api.customers.memoryPools.create);
  const [name, setName] = useState("");
  const [opened, setOpened] = useState(false);
  const { run, pending, error } = useRun();
  const submit = async () => {
    const id = await run(() => create({ environment, name }));
    if (id) {
      onCreated(id);
      setName("");
      setOpened(false);
    }
  };
  return (
    <Popover opened={opened} onChange={setOpened} trapFocus position="bottom-end">
      <Popover.Target>
        <Button variant="default" onClick={() => setOpened((o) => !o)}>
          New pool
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <TextInput
            label="Pool name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <ActionResult error={error} />
          <Group justify="flex-end">
            <Button size="xs" loading={pending} onClick={() => void submit()}>
              Create
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
