/**
 * Filters above the thread list: a search by name or phone, an "Unread" toggle, then owner,
 * number and window.
 */
import { Chip, Group, SegmentedControl, Select, Stack, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import type { ConnectionView } from "./types";
import type { InboxFilters } from "./filters";

type Props = {
  filters: InboxFilters;
  onChange: (patch: Partial<InboxFilters>) => void;
  connections: ConnectionView[];
};

export function ThreadFilters({ filters, onChange, connections }: Props) {
  return (
    <Stack gap="xs">
      <Group gap="xs" wrap="nowrap">
        <TextInput
          aria-label="Search conversations"
          placeholder="Name, phone, message"
          leftSection={<IconSearch size={14} />}
          value={filters.q}
          onChange={(e) => onChange({ q: e.currentTarget.value })}
          size="xs"
          style={{ flex: 1 }}
        />
        {/* A checkbox under the hood: Tab reaches it, Space toggles it, "Unread" names it. */}
        <Chip
          size="xs"
          checked={filters.unread}
          onChange={(unread) => onChange({ unread })}
          title="Only conversations with customer messages no teammate has opened"
        >
          Unread
        </Chip>
      </Group>
      <SegmentedControl
        size="xs"
        fullWidth
        aria-label="Owner"
        value={filters.owner}
        onChange={(owner) => onChange({ owner: owner as InboxFilters["owner"] })}
        data={[
          { value: "all", label: "All" },
          { value: "ai", label: "AI" },
          { value: "needs_human", label: "Needs human" },
          { value: "human", label: "Human" },
        ]}
      />
      <Group grow gap="xs">
        <Select
          size="xs"
          aria-label="Number"
          placeholder="All numbers"
          clearable
          value={filters.number}
          onChange={(number) => onChange({ number })}
          data={connections.map((c) => ({
            value: c._id,
            label: `${c.label} ${c.phoneNumber ?? ""}`,
          }))}
        />
        <Select
          size="xs"
          aria-label="24-hour window"
          value={filters.window}
          allowDeselect={false}
          onChange={(value) => onChange({ window: (value ?? "all") as InboxFilters["window"] })}
          data={[
            { value: "all", label: "Any window" },
            { value: "open", label: "Window open" },
            { value: "closed", label: "Window closed" },
          ]}
        />
      </Group>
    </Stack>
  );
}
