/** Everything the inbox list needs, live: threads, who needs a person, numbers, filters. */
import { useQuery, usePaginatedQuery } from "convex/react";
import { useMemo } from "react";
import { useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";
import { useNow } from "../lib/useNow";
import { matchesFilters, useInboxFilters } from "./filters";

export function useInboxData() {
  const environment = useEnvironment();
  const { results, status, loadMore } = usePaginatedQuery(
    api.inbox.threads.list,
    { environment },
    { initialNumItems: 30 },
  );
  const alerts = useQuery(api.inbox.handoff.notifications, { environment, unreadOnly: true });
  const connectionStatus = useQuery(api.whatsapp.connections.getStatus, { environment });
  const [filters, setFilters] = useInboxFilters();
  const { threadId } = useParams();
  const now = useNow(30_000);
  const needsHuman = useMemo(
    () => new Set<string>((alerts ?? []).map((a) => a.threadId)),
    [alerts],
  );
  const threads = useMemo(
    () => results.filter((t) => matchesFilters(t, filters, needsHuman, now, threadId)),
    [results, filters, needsHuman, now, threadId],
  );
  return {
    threads,
    totalLoaded: results.length,
    status,
    loadMore,
    filters,
    setFilters,
    connections: connectionStatus?.connections ?? [],
    needsHuman,
    alerts: alerts ?? [],
    now,
  };
}

export type InboxData = ReturnType<typeof useInboxData>;
