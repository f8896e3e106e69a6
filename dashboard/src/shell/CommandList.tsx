/** The filterable, keyboard-driven list inside the command menu dialog. */
import { Badge, Group, Kbd, Modal, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useState, type KeyboardEvent } from "react";
import type { Command } from "./commands";

type Props = { opened: boolean; onClose: () => void; commands: Command[] };

export function CommandList({ opened, onClose, commands }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const shown = commands.filter((c) =>
    `${c.group} ${c.label}`.toLowerCase().includes(query.trim().toLowerCase()),
  );
  const close = () => {
    setQuery("");
    setActive(0);
    onClose();
  };
  const runCommand = (command: Command | undefined) => {
    if (!command) return;
    close();
    command.run();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((i) => Math.min(i + 1, shown.length - 1));
    else if (e.key === "ArrowUp") setActive((i) => Math.max(i - 1, 0));
    else if (e.key === "Enter") runCommand(shown[active]);
    else return;
    e.preventDefault();
  };
  return (
    <Modal opened={opened} onClose={close} title="Command menu" size="lg" yOffset="10vh">
      <TextInput
        data-autofocus
        aria-label="Search commands"
        placeholder="Type a command…"
        leftSection={<IconSearch size={16} />}
        value={query}
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        aria-controls="command-list"
        aria-activedescendant={shown[active] ? `command-${shown[active].id}` : undefined}
      />
      <Stack gap={2} mt="sm" id="command-list" role="listbox" aria-label="Commands">
        {shown.length === 0 && (
          <Text c="dimmed" size="sm">
            No command matches.
          </Text>
        )}
        {shown.map((c, i) => (
          <UnstyledButton
            key={c.id}
            id={`command-${c.id}`}
            role="option"
            aria-selected={i === active}
            onMouseEnter={() => setActive(i)}
            onClick={() => runCommand(c)}
            p="xs"
            style={{
              borderRadius: "var(--mantine-radius-sm)",
              background: i === active ? "var(--mantine-color-default-hover)" : undefined,
            }}
          >
            <Group justify="space-between">
              <Group gap="xs">
                <Badge variant="light" color="gray" size="sm">
                  {c.group}
                </Badge>
                <Text size="sm">{c.label}</Text>
              </Group>
              {c.shortcut && <Kbd size="xs">{c.shortcut}</Kbd>}
            </Group>
          </UnstyledButton>
        ))}
      </Stack>
    </Modal>
  );
}
