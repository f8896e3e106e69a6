/**
 * Shared validators: the one import point for every value shape the schema, the registered
 * functions and the dashboard agree on. Each validator is `vThing` with `type Thing` beside it,
 * kept by domain in ./validators/; table validators are composed from these and function
 * args derive from them. Views of whole rows derive from the schema (see lib/projections.ts).
 */
export * from "./validators/tenancy";
export * from "./validators/whatsapp";
export * from "./validators/messages";
export * from "./validators/outbound";
export * from "./validators/inbox";
export * from "./validators/agents";
export * from "./validators/business";
