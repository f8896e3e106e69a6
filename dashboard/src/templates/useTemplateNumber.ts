/** The number whose templates are shown (`?number=`), defaulting to the first connected one. */
import { useQuery } from "convex/react";
import { useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useEnvironment } from "../lib/environment";

export function useTemplateNumber() {
  const environment = useEnvironment();
  const status = useQuery(api.whatsapp.connections.getStatus, { environment });
  const [params, setParams] = useSearchParams();
  const connected = (status?.connections ?? []).filter((c) => c.status === "connected");
  const chosen = params.get("number");
  const connectionId = (connected.find((c) => c._id === chosen)?._id ??
    connected[0]?._id ??
    null) as Id<"whatsappConnections"> | null;
  const choose = (id: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (id) n.set("number", id);
        else n.delete("number");
        return n;
      },
      { replace: true },
    );
  return { loading: status === undefined, connected, connectionId, choose };
}
