/**
 * The analytics queries for the chosen range and number (`?days=30&number=…`). The range ends
 * at the next whole hour so the answer stays cached while the page is open.
 */
import { useQuery } from "convex/react";
import { useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";

const HOUR = 3_600_000;

export function useAnalytics() {
  const environment = useEnvironment();
  const [params, setParams] = useSearchParams();
  const days = [7, 14, 30].includes(Number(params.get("days"))) ? Number(params.get("days")) : 30;
  const number = params.get("number");
  const args = {
    environment,
    days,
    until: Math.ceil(Date.now() / HOUR) * HOUR,
    utcOffsetMinutes: -new Date().getTimezoneOffset(),
    ...(number ? { connectionId: number as Id<"whatsappConnections"> } : {}),
  };
  const conversations = useQuery(api.console.analytics.conversations, args);
  const usage = useQuery(api.console.analytics.usage, args);
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const set = (key: string, value: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (value) n.set(key, value);
        else n.delete(key);
        return n;
      },
      { replace: true },
    );
  return {
    days,
    number,
    set,
    conversations,
    usage,
    connections: status?.connections ?? [],
    agents: agents ?? [],
  };
}

export type Analytics = ReturnType<typeof useAnalytics>;
