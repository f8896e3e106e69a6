/** A scrollable table with a header row: the lists of the dashboard share its look. */
import { Table } from "@mantine/core";
import type { ReactNode } from "react";

type Props = { columns: string[]; minWidth?: number; children: ReactNode; label?: string };

export function DataTable({ columns, minWidth = 640, children, label }: Props) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table highlightOnHover verticalSpacing="sm" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (
              <Table.Th key={i}>{c}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
