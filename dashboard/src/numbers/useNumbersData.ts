/** The numbers of the environment with the agents, routers and memory pools they point at. */
import { useQuery } from "convex/react";
import { api } from "../../../convex/_generated/api";
import { useEnvironment } from "../lib/environment";

export function useNumbersData() {
  const environment = useEnvironment();
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const agents = useQuery(api.agents.definitions.list, { environment });
  const routers = useQuery(api.agents.routers.list, { environment });
  const pools = useQuery(api.customers.memoryPools.list, { environment });
  if (
    status === undefined ||
    agents === undefined ||
    routers === undefined ||
    pools === undefined
  ) {
    return null;
  }
  return { environment, status, agents, routers, pools };
}

export type NumbersData = NonNullable<ReturnType<typeof useNumbersData>>;
