/**
 * The right panel of the inbox: header, live timeline and composer of one conversation, with
 * its keyboard shortcuts (t take over, r release with an optional note, / reply). Opening it,
 * and a customer message arriving while it is open, clear the team's unread count.
 */
import { Stack } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import { useMutation } from "convex/react";
import { useEffect, useRef, useState, type RefObject } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import { ListSkeleton } from "../ui/States";
import { ComposerView } from "./ComposerView";
import { ConversationHeader } from "./ConversationHeader";
import { Timeline } from "./Timeline";
import { composerMode, latestFailure, ownership } from "./threadState";
import { useConversation } from "./useConversation";
import { useConversationActions } from "./useConversationActions";

/** What the page's command menu can do here; `release` opens the release dialog. */
export type ConversationActions = { takeOver: () => void; release: () => void };

/**
 * Marks the thread seen when it opens (`unread` known) and again whenever customer messages
 * arrive while it is open. Best effort: a failure leaves the count, shown in the list.
 */
function useMarkSeen(threadId: Id<"threads">, unread: number | undefined) {
  const environment = useEnvironment();
  const markSeen = useMutation(api.inbox.threads.markSeen);
  const opened = useRef(false);
  useEffect(() => {
    if (unread === undefined || (opened.current && unread === 0)) return;
    opened.current = true;
    markSeen({ environment, threadId }).catch(() => undefined);
  }, [unread, threadId, environment, markSeen]);
}

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
  const [releaseOpen, setReleaseOpen] = useState(false);
  const owner = thread?.owner;
  useMarkSeen(threadId, thread === undefined ? undefined : (thread.unreadCount ?? 0));
  // Released meanwhile (by someone else, or auto-release): the dialog has nothing to confirm.
  useEffect(() => {
    if (owner !== "human") setReleaseOpen(false);
  }, [owner]);
  useEffect(() => {
    actionsRef.current = {
      takeOver: () => actions.takeOver(),
      release: () => owner === "human" && setReleaseOpen(true),
    };
  }, [actionsRef, actions, owner]);
  useHotkeys([
    ["t", () => owner === "ai" && actions.takeOver()],
    ["r", () => owner === "human" && setReleaseOpen(true)],
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
        releaseOpen={releaseOpen}
        onReleaseOpenChange={setReleaseOpen}
        onSend={actions.send}
        onSendTemplate={actions.sendTemplate}
      />
    </Stack>
  );
}
