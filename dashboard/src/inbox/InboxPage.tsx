/**
 * The inbox: conversations on the left (filters in the URL), the selected one on the right
 * (`/:env/inbox/:threadId`). j/k move between conversations; the ⌘K menu offers the same.
 */
import { Box, Flex, Paper } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import { IconMessages } from "@tabler/icons-react";
import { useMemo, useRef } from "react";
import { useNavigate, useParams } from "react-router";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { usePageCommands, type Command } from "../shell/commands";
import { ErrorBoundary } from "../ui/ErrorBoundary";
import { Empty } from "../ui/States";
import { Conversation, type ConversationActions } from "./Conversation";
import { useThreadHref } from "./filters";
import { ThreadList } from "./ThreadList";
import { useInboxData } from "./useInboxData";

function useInboxNavigation(ids: string[], selectedId: string | undefined) {
  const environment = useEnvironment();
  const navigate = useNavigate();
  const withFilters = useThreadHref();
  const key = ids.join(",");
  return useMemo(() => {
    const list = key === "" ? [] : key.split(",");
    const hrefFor = (id: string) => withFilters(`/${environment}/inbox/${id}`);
    const move = (delta: number) => {
      const index = selectedId ? list.indexOf(selectedId) : -1;
      const next = list[Math.min(Math.max(index + delta, 0), list.length - 1)];
      if (next && next !== selectedId) void navigate(hrefFor(next));
    };
    return { hrefFor, next: () => move(1), previous: () => move(-1) };
  }, [key, selectedId, environment, navigate, withFilters]);
}

function useInboxCommands(
  nav: { next: () => void; previous: () => void },
  actions: React.RefObject<ConversationActions | null>,
) {
  const commands = useMemo<Command[]>(
    () => [
      { id: "next", label: "Next conversation", group: "Inbox", shortcut: "j", run: nav.next },
      {
        id: "prev",
        label: "Previous conversation",
        group: "Inbox",
        shortcut: "k",
        run: nav.previous,
      },
      {
        id: "take",
        label: "Take over",
        group: "Conversation",
        shortcut: "t",
        run: () => actions.current?.takeOver(),
      },
      {
        id: "release",
        label: "Release to AI",
        group: "Conversation",
        shortcut: "r",
        run: () => actions.current?.release(),
      },
    ],
    [nav, actions],
  );
  usePageCommands(commands);
}

export function InboxPage() {
  const { threadId } = useParams();
  const data = useInboxData();
  const actionsRef = useRef<ConversationActions | null>(null);
  const ids = data.threads.map((t) => t._id as string);
  const nav = useInboxNavigation(ids, threadId);
  useInboxCommands(nav, actionsRef);
  useHotkeys([
    ["j", nav.next],
    ["k", nav.previous],
  ]);
  const labels = new Map<string, string>(data.connections.map((c) => [c._id, c.label]));
  const notificationIds = data.alerts.filter((a) => a.threadId === threadId).map((a) => a._id);
  return (
    <Flex
      gap="md"
      h="calc(100dvh - 60px - 2 * var(--mantine-spacing-md))"
      direction={{ base: "column", md: "row" }}
    >
      <Paper withBorder p="xs" h="100%" w={{ base: "100%", md: 340 }} style={{ flexShrink: 0 }}>
        <ThreadList data={data} selectedId={threadId} hrefFor={nav.hrefFor} />
      </Paper>
      <Box h="100%" style={{ flex: 1, minWidth: 0 }}>
        {threadId ? (
          <ErrorBoundary resetKey={threadId}>
            <Conversation
              key={threadId}
              threadId={threadId as Id<"threads">}
              numberLabels={labels}
              notificationIds={notificationIds}
              now={data.now}
              actionsRef={actionsRef}
            />
          </ErrorBoundary>
        ) : (
          <Empty
            icon={<IconMessages size={28} />}
            title="Pick a conversation"
            description="Press j and k to move through the list, ? for every shortcut."
          />
        )}
      </Box>
    </Flex>
  );
}
