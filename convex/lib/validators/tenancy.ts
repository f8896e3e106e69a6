/**
 * Who is calling and in which environment: the tenancy shapes every tenant row and call carries.
 */
import { v, type Infer } from "convex/values";

export const vEnvironment = v.union(v.literal("development"), v.literal("production"));
export type Environment = Infer<typeof vEnvironment>;

export const vRole = v.union(v.literal("admin"), v.literal("member"));
export type Role = Infer<typeof vRole>;

/** The fields every tenant row starts with (spread into each table's definition). */
export const tenantFields = {
  organizationId: v.id("organizations"),
  environment: vEnvironment,
};
