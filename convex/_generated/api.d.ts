/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as agents_definitions from "../agents/definitions.js";
import type * as agents_model from "../agents/model.js";
import type * as agents_prompt from "../agents/prompt.js";
import type * as agents_promptTemplate from "../agents/promptTemplate.js";
import type * as agents_routerRules from "../agents/routerRules.js";
import type * as agents_routers from "../agents/routers.js";
import type * as agents_routing from "../agents/routing.js";
import type * as agents_runs from "../agents/runs.js";
import type * as agents_tenantLimits from "../agents/tenantLimits.js";
import type * as agents_tools from "../agents/tools.js";
import type * as agents_turn from "../agents/turn.js";
import type * as crons from "../crons.js";
import type * as customers_leads from "../customers/leads.js";
import type * as customers_memories from "../customers/memories.js";
import type * as customers_memoryPools from "../customers/memoryPools.js";
import type * as demo from "../demo.js";
import type * as http from "../http.js";
import type * as inbox_followUps from "../inbox/followUps.js";
import type * as inbox_handoff from "../inbox/handoff.js";
import type * as inbox_hooks from "../inbox/hooks.js";
import type * as inbox_threads from "../inbox/threads.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_config from "../lib/config.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_objects from "../lib/objects.js";
import type * as lib_projections from "../lib/projections.js";
import type * as lib_random from "../lib/random.js";
import type * as lib_validators from "../lib/validators.js";
import type * as organizations from "../organizations.js";
import type * as outbound_sends from "../outbound/sends.js";
import type * as whatsapp_cloudApi from "../whatsapp/cloudApi.js";
import type * as whatsapp_connections from "../whatsapp/connections.js";
import type * as whatsapp_deliveries from "../whatsapp/deliveries.js";
import type * as whatsapp_inbound from "../whatsapp/inbound.js";
import type * as whatsapp_kapsoPlatform from "../whatsapp/kapsoPlatform.js";
import type * as whatsapp_payloads from "../whatsapp/payloads.js";
import type * as whatsapp_phone from "../whatsapp/phone.js";
import type * as whatsapp_provider from "../whatsapp/provider.js";
import type * as whatsapp_signatures from "../whatsapp/signatures.js";
import type * as whatsapp_statuses from "../whatsapp/statuses.js";
import type * as whatsapp_templateRules from "../whatsapp/templateRules.js";
import type * as whatsapp_templates from "../whatsapp/templates.js";
import type * as whatsapp_webhooks from "../whatsapp/webhooks.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "agents/definitions": typeof agents_definitions;
  "agents/model": typeof agents_model;
  "agents/prompt": typeof agents_prompt;
  "agents/promptTemplate": typeof agents_promptTemplate;
  "agents/routerRules": typeof agents_routerRules;
  "agents/routers": typeof agents_routers;
  "agents/routing": typeof agents_routing;
  "agents/runs": typeof agents_runs;
  "agents/tenantLimits": typeof agents_tenantLimits;
  "agents/tools": typeof agents_tools;
  "agents/turn": typeof agents_turn;
  crons: typeof crons;
  "customers/leads": typeof customers_leads;
  "customers/memories": typeof customers_memories;
  "customers/memoryPools": typeof customers_memoryPools;
  demo: typeof demo;
  http: typeof http;
  "inbox/followUps": typeof inbox_followUps;
  "inbox/handoff": typeof inbox_handoff;
  "inbox/hooks": typeof inbox_hooks;
  "inbox/threads": typeof inbox_threads;
  "lib/auth": typeof lib_auth;
  "lib/config": typeof lib_config;
  "lib/errors": typeof lib_errors;
  "lib/objects": typeof lib_objects;
  "lib/projections": typeof lib_projections;
  "lib/random": typeof lib_random;
  "lib/validators": typeof lib_validators;
  organizations: typeof organizations;
  "outbound/sends": typeof outbound_sends;
  "whatsapp/cloudApi": typeof whatsapp_cloudApi;
  "whatsapp/connections": typeof whatsapp_connections;
  "whatsapp/deliveries": typeof whatsapp_deliveries;
  "whatsapp/inbound": typeof whatsapp_inbound;
  "whatsapp/kapsoPlatform": typeof whatsapp_kapsoPlatform;
  "whatsapp/payloads": typeof whatsapp_payloads;
  "whatsapp/phone": typeof whatsapp_phone;
  "whatsapp/provider": typeof whatsapp_provider;
  "whatsapp/signatures": typeof whatsapp_signatures;
  "whatsapp/statuses": typeof whatsapp_statuses;
  "whatsapp/templateRules": typeof whatsapp_templateRules;
  "whatsapp/templates": typeof whatsapp_templates;
  "whatsapp/webhooks": typeof whatsapp_webhooks;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  "rateLimiter": import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
};
