/**
 * A page that lists one kind of thing (agents, routers): its header with a "New …" button for
 * admins, a skeleton while loading, an empty state that offers the same button, then the table.
 * Members see the button disabled in both places, as the server would refuse them anyway.
 */
import { Button } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useIsAdmin } from "../lib/who";
import { DataTable } from "./DataTable";
import { PageHeader } from "./PageHeader";
import { Empty, ListSkeleton } from "./States";

type Props<T> = {
  title: string;
  description: ReactNode;
  /** The create button's label; it links to `new` below the page's route. */
  newLabel: string;
  /** Undefined while loading. */
  items: T[] | undefined;
  empty: { icon: ReactNode; title: string; description: ReactNode };
  columns: string[];
  minWidth?: number;
  renderRow: (item: T) => ReactNode;
};

export function ListPage<T>(props: Props<T>) {
  const admin = useIsAdmin();
  const create = (
    <Button component={Link} to="new" disabled={!admin}>
      {props.newLabel}
    </Button>
  );
  return (
    <>
      <PageHeader title={props.title} description={props.description} actions={create} />
      {props.items === undefined ? (
        <ListSkeleton />
      ) : props.items.length === 0 ? (
        <Empty {...props.empty} action={create} />
      ) : (
        <DataTable columns={props.columns} minWidth={props.minWidth} label={props.title}>
          {props.items.map(props.renderRow)}
        </DataTable>
      )}
    </>
  );
}
