/**
 * Who answers a number: its agent, else its router, else the environment's default agent, else
 * nobody (messages are stored, not answered). Pure, so the warning logic is testable.
 */
import type { AgentView, ConnectionView, RouterView } from "./types";

export type Handler =
  | { kind: "agent"; name: string; id: string }
  | { kind: "router"; name: string; id: string }
  | { kind: "default"; name: string; id: string }
  | { kind: "none" };

export function handlerOf(
  connection: Pick<ConnectionView, "agentId" | "routerId">,
  agents: AgentView[],
  routers: RouterView[],
  defaultAgentId: string | undefined,
): Handler {
  const agentName = (id: string) => agents.find((a) => a._id === id)?.name ?? "(deleted agent)";
  if (connection.agentId)
    return { kind: "agent", id: connection.agentId, name: agentName(connection.agentId) };
  if (connection.routerId) {
    const name = routers.find((r) => r._id === connection.routerId)?.name ?? "(deleted router)";
    return { kind: "router", id: connection.routerId, name };
  }
  if (defaultAgentId)
    return { kind: "default", id: defaultAgentId, name: agentName(defaultAgentId) };
  return { kind: "none" };
}

export const NO_HANDLER_WARNING = "No handler: messages are stored, not answered.";

export function handlerText(handler: Handler): string {
  switch (handler.kind) {
    case "agent":
      return `Agent ${handler.name}`;
    case "router":
      return `Router ${handler.name}`;
    case "default":
      return `Environment default: ${handler.name}`;
    case "none":
      return NO_HANDLER_WARNING;
  }
}
