/**
 * Connect a number through Kapso: name it, get a setup link to open or send to the number's
 * owner, and watch its state live on the number's page until it is connected.
 */
import { Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation } from "convex/react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useRun } from "../lib/useRun";
import { ActionResult } from "../ui/States";

export function KapsoConnectButton({ disabled }: { disabled: boolean }) {
  const environment = useEnvironment();
  const setup = useMutation(api.whatsapp.connections.setup);
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const [label, setLabel] = useState("");
  const { run, pending, error } = useRun();
  const submit = async () => {
    const id = await run(() => setup({ environment, label: label.trim() || undefined }));
    if (id) {
      close();
      void navigate(`/${environment}/numbers/${id}`);
    }
  };
  return (
    <>
      <Button onClick={open} disabled={disabled}>
        Connect through Kapso
      </Button>
      <Modal opened={opened} onClose={close} title="Connect a number through Kapso" centered>
        <Stack>
          <Text size="sm">
            We create a setup link. Whoever owns the WhatsApp Business number opens it and signs in
            with Facebook; the number then shows as connected here.
          </Text>
          <TextInput
            label="Label"
            placeholder="Support line"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            data-autofocus
          />
          <ActionResult error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button loading={pending} onClick={() => void submit()}>
              Create setup link
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
