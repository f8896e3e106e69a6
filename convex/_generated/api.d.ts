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
import type * as agentRuns from "../agentRuns.js";
import type * as agentTurn from "../agentTurn.js";
import type * as agents from "../agents.js";
import type * as crons from "../crons.js";
import type * as deliveries from "../deliveries.js";
import type * as demo from "../demo.js";
import type * as followUps from "../followUps.js";
import type * as handoff from "../handoff.js";
import type * as hooks from "../hooks.js";
import type * as http from "../http.js";
import type * as inbound from "../inbound.js";
import type * as leads from "../leads.js";
import type * as lib_agentPrompt from "../lib/agentPrompt.js";
import type * as lib_agentTools from "../lib/agentTools.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_config from "../lib/config.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_llm from "../lib/llm.js";
import type * as lib_objects from "../lib/objects.js";
import type * as lib_phone from "../lib/phone.js";
import type * as lib_projections from "../lib/projections.js";
import type * as lib_promptTemplate from "../lib/promptTemplate.js";
import type * as lib_provider_cloudApi from "../lib/provider/cloudApi.js";
import type * as lib_provider_kapsoPlatform from "../lib/provider/kapsoPlatform.js";
import type * as lib_random from "../lib/random.js";
import type * as lib_routerRules from "../lib/routerRules.js";
import type * as lib_signatures from "../lib/signatures.js";
import type * as lib_templateRules from "../lib/templateRules.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_webhookPayloads from "../lib/webhookPayloads.js";
import type * as memories from "../memories.js";
import type * as memoryPools from "../memoryPools.js";
import type * as organizations from "../organizations.js";
import type * as outbound from "../outbound.js";
import type * as provider from "../provider.js";
import type * as routers from "../routers.js";
import type * as routing from "../routing.js";
import type * as statuses from "../statuses.js";
import type * as templates from "../templates.js";
import type * as tenantLimits from "../tenantLimits.js";
import type * as threads from "../threads.js";
import type * as webhooks from "../webhooks.js";
import type * as whatsapp from "../whatsapp.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  agentRuns: typeof agentRuns;
  agentTurn: typeof agentTurn;
  agents: typeof agents;
  crons: typeof crons;
  deliveries: typeof deliveries;
  demo: typeof demo;
  followUps: typeof followUps;
  handoff: typeof handoff;
  hooks: typeof hooks;
  http: typeof http;
  inbound: typeof inbound;
  leads: typeof leads;
  "lib/agentPrompt": typeof lib_agentPrompt;
  "lib/agentTools": typeof lib_agentTools;
  "lib/auth": typeof lib_auth;
  "lib/config": typeof lib_config;
  "lib/errors": typeof lib_errors;
  "lib/llm": typeof lib_llm;
  "lib/objects": typeof lib_objects;
  "lib/phone": typeof lib_phone;
  "lib/projections": typeof lib_projections;
  "lib/promptTemplate": typeof lib_promptTemplate;
  "lib/provider/cloudApi": typeof lib_provider_cloudApi;
  "lib/provider/kapsoPlatform": typeof lib_provider_kapsoPlatform;
  "lib/random": typeof lib_random;
  "lib/routerRules": typeof lib_routerRules;
  "lib/signatures": typeof lib_signatures;
  "lib/templateRules": typeof lib_templateRules;
  "lib/validators": typeof lib_validators;
  "lib/webhookPayloads": typeof lib_webhookPayloads;
  memories: typeof memories;
  memoryPools: typeof memoryPools;
  organizations: typeof organizations;
  outbound: typeof outbound;
  provider: typeof provider;
  routers: typeof routers;
  routing: typeof routing;
  statuses: typeof statuses;
  templates: typeof templates;
  tenantLimits: typeof tenantLimits;
  threads: typeof threads;
  webhooks: typeof webhooks;
  whatsapp: typeof whatsapp;
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
