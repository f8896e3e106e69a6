/**
 * The right panel of the inbox: header, live timeline and composer of one conversation, with
 * its keyboard shortcuts (t take over, r release, / reply).
 */
import { Stack } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import { useEffect, useRef, type RefObject } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { ListSkeleton } from "../ui/States";
import { ComposerView } from "./ComposerView";
import { ConversationHeader } from "./ConversationHeader";
import { markSeen } from "./seen";
import { Timeline } from "./Timeline";
import { composerMode, latestFailure, ownership } from "./threadState";
import { useConversation } from "./useConversation";
import { useConversationActions } from "./useConversationActions";

export type ConversationActions = { takeOver: () => void; release: () => void };

type Props = {
  threadId: Id<"threads">;
  numberLabels: Map<string, string>;
  notificationIds: Id<"notifications">[];
  now: number;
  actionsRef: RefObject<ConversationActions | null>;
};

export function Conversation({ threadId, numberLabels, notificationIds, now, actionsRef }: Props) {
  const { thread, messages, events, runs, agentNames, templates } = useConversation(threadId);
  const actions = useConversationActions(threadId, notificationIds);
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const newest = messages.results[0];
  useEffect(() => {
    if (newest) markSeen(threadId, newest.createdAt);
  }, [threadId, newest]);
  useEffect(() => {
    actionsRef.current = { takeOver: () => actions.takeOver(), release: actions.release };
  }, [actionsRef, actions]);
  useHotkeys([
    ["t", () => thread?.owner === "ai" && actions.takeOver()],
    ["r", () => thread?.owner === "human" && actions.release()],
    ["/", () => replyRef.current?.focus()],
  ]);
  if (thread === undefined || messages.status === "LoadingFirstPage")
    return <ListSkeleton rows={6} height={56} />;
  return (
    <Stack gap="sm" h="100%">
      <ConversationHeader
        thread={thread}
        ownership={ownership(thread, notificationIds.length > 0)}
        numberLabel={numberLabels.get(thread.connectionId) ?? ""}
        now={now}
      />
      <Timeline
        newestFirst={messages.results}
        events={events}
        runs={runs}
        agentNames={agentNames}
        canLoadOlder={messages.status === "CanLoadMore"}
        onLoadOlder={() => messages.loadMore(50)}
      />
      <ComposerView
        mode={composerMode(thread, now)}
        failure={latestFailure(messages.results)}
        templates={templates}
        pending={actions.pending}
        error={actions.error}
        replyRef={replyRef}
        onTakeOver={actions.takeOver}
        onRelease={actions.release}
        onSend={actions.send}
        onSendTemplate={actions.sendTemplate}
      />
    </Stack>
  );
}
