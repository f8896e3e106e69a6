/** View types of the numbers pages, from the backend's `returns` validators. */
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";

export type StatusView = FunctionReturnType<typeof api.whatsapp.connections.getStatus>;
export type ConnectionView = StatusView["connections"][number];
export type AgentView = FunctionReturnType<typeof api.agents.definitions.list>[number];
export type RouterView = FunctionReturnType<typeof api.agents.routers.list>[number];
export type PoolView = FunctionReturnType<typeof api.customers.memoryPools.list>[number];
