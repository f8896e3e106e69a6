/** The left panel of the inbox: filters, then the conversations newest first. */
import { Button, ScrollArea, Stack } from "@mantine/core";
import { IconMessageCircleOff } from "@tabler/icons-react";
import { Empty, ListSkeleton } from "../ui/States";
import { ThreadFilters } from "./ThreadFilters";
import { ThreadRow } from "./ThreadRow";
import { ownership } from "./threadState";
import type { InboxData } from "./useInboxData";

type Props = { data: InboxData; selectedId: string | undefined; hrefFor: (id: string) => string };

export function ThreadList({ data, selectedId, hrefFor }: Props) {
  const { threads, status, loadMore, filters, setFilters, connections, needsHuman, now } = data;
  const labels = new Map(connections.map((c) => [c._id as string, c.label]));
  return (
    <Stack gap="sm" h="100%">
      <ThreadFilters filters={filters} onChange={setFilters} connections={connections} />
      <ScrollArea style={{ flex: 1 }} type="auto" offsetScrollbars>
        {status === "LoadingFirstPage" ? (
          <ListSkeleton rows={6} height={60} />
        ) : threads.length === 0 ? (
          <Empty
            icon={<IconMessageCircleOff size={28} />}
            title="No conversations"
            description={
              data.totalLoaded === 0
                ? "When a customer writes to one of your numbers, the conversation appears here."
                : filters.unread
                  ? "No unread conversation matches these filters."
                  : "No conversation matches these filters."
            }
          />
        ) : (
          <Stack gap={2} role="list" aria-label="Conversations">
            {threads.map((t) => (
              <div role="listitem" key={t._id}>
                <ThreadRow
                  thread={t}
                  ownership={ownership(t, needsHuman.has(t._id))}
                  numberLabel={labels.get(t.connectionId) ?? ""}
                  selected={t._id === selectedId}
                  href={hrefFor(t._id)}
                  now={now}
                />
              </div>
            ))}
          </Stack>
        )}
        {status === "CanLoadMore" && (
          <Button variant="subtle" fullWidth mt="xs" onClick={() => loadMore(30)}>
            Load more
          </Button>
        )}
      </ScrollArea>
    </Stack>
  );
}
