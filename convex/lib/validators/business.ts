/**
 * The business profile of a tenant: what its agents are told about the business (name, opening
 * hours, address, policies, language), rendered as `{{business.context}}` in prompts.
 */
import { v, type Infer } from "convex/values";

/** Editable fields of a business profile; each is optional text. */
export const businessProfileFields = {
  name: v.optional(v.string()),
  hours: v.optional(v.string()),
  address: v.optional(v.string()),
  policies: v.optional(v.string()),
  /** The language the business speaks with customers (e.g. `pt-BR`, `Spanish`). */
  language: v.optional(v.string()),
};

export const vBusinessProfile = v.object(businessProfileFields);
export type BusinessProfile = Infer<typeof vBusinessProfile>;
