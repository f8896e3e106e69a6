/**
 * A destructive or consequential action behind a confirmation dialog (disconnect, delete,
 * rotate a secret). The dialog names what will happen; errors stay in the dialog.
 */
import { Button, Group, Modal, Stack, Text, type ButtonProps } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useRun } from "../lib/useRun";
import { ActionResult } from "./States";

type Props = ButtonProps & {
  children: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
};

export function ConfirmButton({ title, message, confirmLabel, onConfirm, ...button }: Props) {
  const [opened, { open, close }] = useDisclosure(false);
  const { run, pending, error, clear } = useRun();
  const confirm = async () => {
    const ok = await run(async () => {
      await onConfirm();
      return true;
    });
    if (ok) close();
  };
  return (
    <>
      <Button
        onClick={() => {
          clear();
          open();
        }}
        {...button}
      />
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <ActionResult error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={button.color ?? "red"} loading={pending} onClick={() => void confirm()}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
