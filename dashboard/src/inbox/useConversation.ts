/** Live data of one conversation: the thread, its messages, ownership changes, runs, templates. */
import { usePaginatedQuery, useQuery } from "convex/react";
import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";
import type { RunView } from "./types";

export function useConversation(threadId: Id<"threads">) {
  const environment = useEnvironment();
  const thread = useQuery(api.inbox.threads.get, { environment, threadId });
  const messages = usePaginatedQuery(
    api.inbox.threads.messages,
    { environment, threadId },
    { initialNumItems: 50 },
  );
  const events = useQuery(api.inbox.handoff.history, { environment, threadId });
  const runList = useQuery(api.agents.runs.list, { environment, threadId, limit: 100 });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const templates = useQuery(
    api.whatsapp.templates.list,
    thread ? { environment, connectionId: thread.connectionId } : "skip",
  );
  const runs = useMemo(
    () => new Map<string, RunView>((runList ?? []).map((r) => [r._id, r])),
    [runList],
  );
  const agentNames = useMemo(
    () => new Map<string, string>((agents ?? []).map((a) => [a._id, a.name])),
    [agents],
  );
  return { thread, messages, events: events ?? [], runs, agentNames, templates };
}
