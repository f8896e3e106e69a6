/** Duplicates an agent under a new slug and opens the copy. */
import { Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation } from "convex/react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { useIsAdmin } from "../lib/who";
import { ActionResult } from "../ui/States";
import type { AgentView } from "./draft";

export function DuplicateButton({ agent }: { agent: AgentView }) {
  const environment = useEnvironment();
  const duplicate = useMutation(api.console.agentAdmin.duplicate);
  const navigate = useNavigate();
  const admin = useIsAdmin();
  const [opened, { open, close }] = useDisclosure(false);
  const [slug, setSlug] = useState(`${agent.slug}-copy`);
  const [name, setName] = useState(`${agent.name} (copy)`);
  const { run, pending, error } = useRun();
  const submit = async () => {
    const id = await run(() => duplicate({ environment, agentId: agent._id, slug, name }));
    if (id) {
      close();
      void navigate(`/${environment}/agents/${id}`);
    }
  };
  return (
    <>
      <Button variant="default" onClick={open} disabled={!admin}>
        Duplicate
      </Button>
      <Modal opened={opened} onClose={close} title={`Duplicate ${agent.name}`} centered>
        <Stack>
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput label="Slug" value={slug} onChange={(e) => setSlug(e.currentTarget.value)} />
          <ActionResult error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button loading={pending} onClick={() => void submit()}>
              Duplicate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
