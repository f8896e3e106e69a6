/** The shortcut sheet (press ?): every keyboard shortcut of the dashboard. */
import { Group, Kbd, Modal, Table, Text } from "@mantine/core";

export const SHORTCUTS: { keys: string[]; action: string; where: string }[] = [
  { keys: ["⌘", "K"], action: "Open the command menu (Ctrl+K elsewhere)", where: "Everywhere" },
  { keys: ["?"], action: "Show this sheet", where: "Everywhere" },
  { keys: ["j"], action: "Next conversation", where: "Inbox" },
  { keys: ["k"], action: "Previous conversation", where: "Inbox" },
  { keys: ["t"], action: "Take the conversation over", where: "Inbox" },
  { keys: ["r"], action: "Release the conversation to the AI", where: "Inbox" },
  { keys: ["/"], action: "Focus the reply box", where: "Inbox" },
  { keys: ["Enter"], action: "Send the reply", where: "Reply box" },
  { keys: ["Shift", "Enter"], action: "New line", where: "Reply box" },
  { keys: ["Esc"], action: "Leave the reply box, close dialogs", where: "Everywhere" },
];

export function ShortcutHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="lg" centered>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Keys</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Where</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {SHORTCUTS.map((s) => (
            <Table.Tr key={s.action}>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  {s.keys.map((k) => (
                    <Kbd key={k}>{k}</Kbd>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{s.action}</Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  {s.where}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
