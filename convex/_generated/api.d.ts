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
import type * as agents from "../agents.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_config from "../lib/config.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_objects from "../lib/objects.js";
import type * as lib_projections from "../lib/projections.js";
import type * as lib_provider_kapsoPlatform from "../lib/provider/kapsoPlatform.js";
import type * as lib_random from "../lib/random.js";
import type * as lib_validators from "../lib/validators.js";
import type * as organizations from "../organizations.js";
import type * as provider from "../provider.js";
import type * as routers from "../routers.js";
import type * as threads from "../threads.js";
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
  agents: typeof agents;
  "lib/auth": typeof lib_auth;
  "lib/config": typeof lib_config;
  "lib/errors": typeof lib_errors;
  "lib/objects": typeof lib_objects;
  "lib/projections": typeof lib_projections;
  "lib/provider/kapsoPlatform": typeof lib_provider_kapsoPlatform;
  "lib/random": typeof lib_random;
  "lib/validators": typeof lib_validators;
  organizations: typeof organizations;
  provider: typeof provider;
  routers: typeof routers;
  threads: typeof threads;
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
