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
import type * as agents_httpToolRules from "../agents/httpToolRules.js";
import type * as agents_httpToolTest from "../agents/httpToolTest.js";
import type * as agents_httpTools from "../agents/httpTools.js";
import type * as agents_model from "../agents/model.js";
import type * as agents_prompt from "../agents/prompt.js";
import type * as agents_promptTemplate from "../agents/promptTemplate.js";
import type * as agents_recipientRules from "../agents/recipientRules.js";
import type * as agents_recipients from "../agents/recipients.js";
import type * as agents_routerRules from "../agents/routerRules.js";
import type * as agents_routers from "../agents/routers.js";
import type * as agents_runs from "../agents/runs.js";
import type * as agents_stalledTurns from "../agents/stalledTurns.js";
import type * as agents_tables from "../agents/tables.js";
import type * as agents_tenantLimits from "../agents/tenantLimits.js";
import type * as agents_toolEffects from "../agents/toolEffects.js";
import type * as agents_toolLoop from "../agents/toolLoop.js";
import type * as agents_toolSchemas from "../agents/toolSchemas.js";
import type * as agents_tools from "../agents/tools.js";
import type * as agents_turn from "../agents/turn.js";
import type * as agents_turnContext from "../agents/turnContext.js";
import type * as agents_turnHandler from "../agents/turnHandler.js";
import type * as agents_turnSignals from "../agents/turnSignals.js";
import type * as agents_turnSteps from "../agents/turnSteps.js";
import type * as agents_usage from "../agents/usage.js";
import type * as business_profile from "../business/profile.js";
import type * as console_agentAdmin from "../console/agentAdmin.js";
import type * as console_analytics from "../console/analytics.js";
import type * as console_analyticsMath from "../console/analyticsMath.js";
import type * as console_analyticsTally from "../console/analyticsTally.js";
import type * as console_metaOnboarding from "../console/metaOnboarding.js";
import type * as console_playground from "../console/playground.js";
import type * as console_playgroundTurn from "../console/playgroundTurn.js";
import type * as console_promptPreview from "../console/promptPreview.js";
import type * as console_routerPreview from "../console/routerPreview.js";
import type * as console_validators from "../console/validators.js";
import type * as crons from "../crons.js";
import type * as customers_contacts from "../customers/contacts.js";
import type * as customers_leads from "../customers/leads.js";
import type * as customers_memories from "../customers/memories.js";
import type * as customers_memoryPools from "../customers/memoryPools.js";
import type * as customers_tables from "../customers/tables.js";
import type * as demo from "../demo.js";
import type * as http from "../http.js";
import type * as inbox_escalation from "../inbox/escalation.js";
import type * as inbox_followUps from "../inbox/followUps.js";
import type * as inbox_frustration from "../inbox/frustration.js";
import type * as inbox_handoff from "../inbox/handoff.js";
import type * as inbox_handoffSignals from "../inbox/handoffSignals.js";
import type * as inbox_hooks from "../inbox/hooks.js";
import type * as inbox_keywords from "../inbox/keywords.js";
import type * as inbox_messages from "../inbox/messages.js";
import type * as inbox_tables from "../inbox/tables.js";
import type * as inbox_threadPreview from "../inbox/threadPreview.js";
import type * as inbox_threads from "../inbox/threads.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_backoff from "../lib/backoff.js";
import type * as lib_config from "../lib/config.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_objects from "../lib/objects.js";
import type * as lib_projections from "../lib/projections.js";
import type * as lib_purge from "../lib/purge.js";
import type * as lib_random from "../lib/random.js";
import type * as lib_ssrf from "../lib/ssrf.js";
import type * as lib_validators from "../lib/validators.js";
import type * as lib_validators_agents from "../lib/validators/agents.js";
import type * as lib_validators_business from "../lib/validators/business.js";
import type * as lib_validators_inbox from "../lib/validators/inbox.js";
import type * as lib_validators_messages from "../lib/validators/messages.js";
import type * as lib_validators_outbound from "../lib/validators/outbound.js";
import type * as lib_validators_tenancy from "../lib/validators/tenancy.js";
import type * as lib_validators_whatsapp from "../lib/validators/whatsapp.js";
import type * as media_ingest from "../media/ingest.js";
import type * as media_store from "../media/store.js";
import type * as media_tables from "../media/tables.js";
import type * as media_transcription from "../media/transcription.js";
import type * as media_transcripts from "../media/transcripts.js";
import type * as media_view from "../media/view.js";
import type * as ops_retention from "../ops/retention.js";
import type * as ops_watchdog from "../ops/watchdog.js";
import type * as organizations from "../organizations.js";
import type * as outbound_content from "../outbound/content.js";
import type * as outbound_lifecycle from "../outbound/lifecycle.js";
import type * as outbound_pacing from "../outbound/pacing.js";
import type * as outbound_reconciliation from "../outbound/reconciliation.js";
import type * as outbound_sends from "../outbound/sends.js";
import type * as outbound_tables from "../outbound/tables.js";
import type * as whatsapp_cloudApi from "../whatsapp/cloudApi.js";
import type * as whatsapp_connectionFields from "../whatsapp/connectionFields.js";
import type * as whatsapp_connectionStore from "../whatsapp/connectionStore.js";
import type * as whatsapp_connections from "../whatsapp/connections.js";
import type * as whatsapp_deliveries from "../whatsapp/deliveries.js";
import type * as whatsapp_deliveryDetail from "../whatsapp/deliveryDetail.js";
import type * as whatsapp_deliveryItems from "../whatsapp/deliveryItems.js";
import type * as whatsapp_deliveryReplay from "../whatsapp/deliveryReplay.js";
import type * as whatsapp_inbound from "../whatsapp/inbound.js";
import type * as whatsapp_inboundMessages from "../whatsapp/inboundMessages.js";
import type * as whatsapp_integration from "../whatsapp/integration.js";
import type * as whatsapp_kapsoPayloads from "../whatsapp/kapsoPayloads.js";
import type * as whatsapp_kapsoPlatform from "../whatsapp/kapsoPlatform.js";
import type * as whatsapp_messageContent from "../whatsapp/messageContent.js";
import type * as whatsapp_metaPayloads from "../whatsapp/metaPayloads.js";
import type * as whatsapp_payloads from "../whatsapp/payloads.js";
import type * as whatsapp_phone from "../whatsapp/phone.js";
import type * as whatsapp_provider from "../whatsapp/provider.js";
import type * as whatsapp_providerMedia from "../whatsapp/providerMedia.js";
import type * as whatsapp_providerTemplates from "../whatsapp/providerTemplates.js";
import type * as whatsapp_rejections from "../whatsapp/rejections.js";
import type * as whatsapp_signatures from "../whatsapp/signatures.js";
import type * as whatsapp_statuses from "../whatsapp/statuses.js";
import type * as whatsapp_tables from "../whatsapp/tables.js";
import type * as whatsapp_templateDefinitions from "../whatsapp/templateDefinitions.js";
import type * as whatsapp_templateEvents from "../whatsapp/templateEvents.js";
import type * as whatsapp_templateRules from "../whatsapp/templateRules.js";
import type * as whatsapp_templateStore from "../whatsapp/templateStore.js";
import type * as whatsapp_templateSync from "../whatsapp/templateSync.js";
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
  "agents/httpToolRules": typeof agents_httpToolRules;
  "agents/httpToolTest": typeof agents_httpToolTest;
  "agents/httpTools": typeof agents_httpTools;
  "agents/model": typeof agents_model;
  "agents/prompt": typeof agents_prompt;
  "agents/promptTemplate": typeof agents_promptTemplate;
  "agents/recipientRules": typeof agents_recipientRules;
  "agents/recipients": typeof agents_recipients;
  "agents/routerRules": typeof agents_routerRules;
  "agents/routers": typeof agents_routers;
  "agents/runs": typeof agents_runs;
  "agents/stalledTurns": typeof agents_stalledTurns;
  "agents/tables": typeof agents_tables;
  "agents/tenantLimits": typeof agents_tenantLimits;
  "agents/toolEffects": typeof agents_toolEffects;
  "agents/toolLoop": typeof agents_toolLoop;
  "agents/toolSchemas": typeof agents_toolSchemas;
  "agents/tools": typeof agents_tools;
  "agents/turn": typeof agents_turn;
  "agents/turnContext": typeof agents_turnContext;
  "agents/turnHandler": typeof agents_turnHandler;
  "agents/turnSignals": typeof agents_turnSignals;
  "agents/turnSteps": typeof agents_turnSteps;
  "agents/usage": typeof agents_usage;
  "business/profile": typeof business_profile;
  "console/agentAdmin": typeof console_agentAdmin;
  "console/analytics": typeof console_analytics;
  "console/analyticsMath": typeof console_analyticsMath;
  "console/analyticsTally": typeof console_analyticsTally;
  "console/metaOnboarding": typeof console_metaOnboarding;
  "console/playground": typeof console_playground;
  "console/playgroundTurn": typeof console_playgroundTurn;
  "console/promptPreview": typeof console_promptPreview;
  "console/routerPreview": typeof console_routerPreview;
  "console/validators": typeof console_validators;
  crons: typeof crons;
  "customers/contacts": typeof customers_contacts;
  "customers/leads": typeof customers_leads;
  "customers/memories": typeof customers_memories;
  "customers/memoryPools": typeof customers_memoryPools;
  "customers/tables": typeof customers_tables;
  demo: typeof demo;
  http: typeof http;
  "inbox/escalation": typeof inbox_escalation;
  "inbox/followUps": typeof inbox_followUps;
  "inbox/frustration": typeof inbox_frustration;
  "inbox/handoff": typeof inbox_handoff;
  "inbox/handoffSignals": typeof inbox_handoffSignals;
  "inbox/hooks": typeof inbox_hooks;
  "inbox/keywords": typeof inbox_keywords;
  "inbox/messages": typeof inbox_messages;
  "inbox/tables": typeof inbox_tables;
  "inbox/threadPreview": typeof inbox_threadPreview;
  "inbox/threads": typeof inbox_threads;
  "lib/auth": typeof lib_auth;
  "lib/backoff": typeof lib_backoff;
  "lib/config": typeof lib_config;
  "lib/errors": typeof lib_errors;
  "lib/objects": typeof lib_objects;
  "lib/projections": typeof lib_projections;
  "lib/purge": typeof lib_purge;
  "lib/random": typeof lib_random;
  "lib/ssrf": typeof lib_ssrf;
  "lib/validators": typeof lib_validators;
  "lib/validators/agents": typeof lib_validators_agents;
  "lib/validators/business": typeof lib_validators_business;
  "lib/validators/inbox": typeof lib_validators_inbox;
  "lib/validators/messages": typeof lib_validators_messages;
  "lib/validators/outbound": typeof lib_validators_outbound;
  "lib/validators/tenancy": typeof lib_validators_tenancy;
  "lib/validators/whatsapp": typeof lib_validators_whatsapp;
  "media/ingest": typeof media_ingest;
  "media/store": typeof media_store;
  "media/tables": typeof media_tables;
  "media/transcription": typeof media_transcription;
  "media/transcripts": typeof media_transcripts;
  "media/view": typeof media_view;
  "ops/retention": typeof ops_retention;
  "ops/watchdog": typeof ops_watchdog;
  organizations: typeof organizations;
  "outbound/content": typeof outbound_content;
  "outbound/lifecycle": typeof outbound_lifecycle;
  "outbound/pacing": typeof outbound_pacing;
  "outbound/reconciliation": typeof outbound_reconciliation;
  "outbound/sends": typeof outbound_sends;
  "outbound/tables": typeof outbound_tables;
  "whatsapp/cloudApi": typeof whatsapp_cloudApi;
  "whatsapp/connectionFields": typeof whatsapp_connectionFields;
  "whatsapp/connectionStore": typeof whatsapp_connectionStore;
  "whatsapp/connections": typeof whatsapp_connections;
  "whatsapp/deliveries": typeof whatsapp_deliveries;
  "whatsapp/deliveryDetail": typeof whatsapp_deliveryDetail;
  "whatsapp/deliveryItems": typeof whatsapp_deliveryItems;
  "whatsapp/deliveryReplay": typeof whatsapp_deliveryReplay;
  "whatsapp/inbound": typeof whatsapp_inbound;
  "whatsapp/inboundMessages": typeof whatsapp_inboundMessages;
  "whatsapp/integration": typeof whatsapp_integration;
  "whatsapp/kapsoPayloads": typeof whatsapp_kapsoPayloads;
  "whatsapp/kapsoPlatform": typeof whatsapp_kapsoPlatform;
  "whatsapp/messageContent": typeof whatsapp_messageContent;
  "whatsapp/metaPayloads": typeof whatsapp_metaPayloads;
  "whatsapp/payloads": typeof whatsapp_payloads;
  "whatsapp/phone": typeof whatsapp_phone;
  "whatsapp/provider": typeof whatsapp_provider;
  "whatsapp/providerMedia": typeof whatsapp_providerMedia;
  "whatsapp/providerTemplates": typeof whatsapp_providerTemplates;
  "whatsapp/rejections": typeof whatsapp_rejections;
  "whatsapp/signatures": typeof whatsapp_signatures;
  "whatsapp/statuses": typeof whatsapp_statuses;
  "whatsapp/tables": typeof whatsapp_tables;
  "whatsapp/templateDefinitions": typeof whatsapp_templateDefinitions;
  "whatsapp/templateEvents": typeof whatsapp_templateEvents;
  "whatsapp/templateRules": typeof whatsapp_templateRules;
  "whatsapp/templateStore": typeof whatsapp_templateStore;
  "whatsapp/templateSync": typeof whatsapp_templateSync;
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
