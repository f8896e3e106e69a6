/**
 * Release to AI, with an optional note for the AI (what the teammate did or promised), kept in
 * the customer's memory. The button (or "r") opens a small dialog: Enter releases, Shift+Enter
 * adds a line, Escape closes without releasing.
 */
import { Button, Group, Popover, Stack, Text, Textarea } from "@mantine/core";
import { useUncontrolled } from "@mantine/hooks";
import { useState } from "react";
import { MAX_RELEASE_NOTE } from "../../../convex/lib/validators";

type Props = {
  onRelease: (note?: string) => void;
  pending?: boolean;
  /** Controlled from outside when the "r" shortcut or the command menu opens it. */
  opened?: boolean;
  onOpenedChange?: (opened: boolean) => void;
  size?: "xs" | "sm";
};

export function ReleaseButton({ onRelease, pending, opened, onOpenedChange, size }: Props) {
  const [open, setOpen] = useUncontrolled({
    value: opened,
    defaultValue: false,
    onChange: onOpenedChange,
  });
  const [note, setNote] = useState("");
  const release = () => {
    setOpen(false);
    onRelease(note.trim() || undefined);
    setNote("");
  };
  return (
    <Popover
      opened={open}
      onChange={setOpen}
      position="top-start"
      width={320}
      trapFocus
      shadow="md"
    >
      <Popover.Target>
        <Button variant="default" size={size} onClick={() => setOpen(!open)} loading={pending}>
          Release to AI
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Textarea
            data-autofocus
            label="Note for the AI (optional)"
            description="What you did or promised. The AI reads it in the customer's memory."
            autosize
            minRows={2}
            maxRows={6}
            maxLength={MAX_RELEASE_NOTE}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                release();
              }
            }}
          />
          <Group justify="space-between" wrap="nowrap">
            <Text size="xs" c="dimmed">
              Enter releases · Esc cancels
            </Text>
            <Button size="xs" onClick={release}>
              Release
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
