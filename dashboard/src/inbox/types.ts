/** The inbox's view types, derived from the backend's `returns` validators. */
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";

export type ThreadView = FunctionReturnType<typeof api.inbox.threads.get>;
export type MessageView = FunctionReturnType<typeof api.inbox.threads.messages>["page"][number];
export type RunView = FunctionReturnType<typeof api.agents.runs.list>[number];
export type HandoffEventView = FunctionReturnType<typeof api.inbox.handoff.history>[number];
export type TemplateView = FunctionReturnType<typeof api.whatsapp.templates.list>[number];
export type ConnectionView = FunctionReturnType<typeof api.whatsapp.connections.get>;
