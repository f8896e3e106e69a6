/**
 * Message templates of a number's WhatsApp Business Account (scoped per connection, since Meta
 * scopes them per WABA, not org-wide): create (validated by templateDefinitions.ts before the
 * provider sees anything), list with status, quality and category, get, delete, and sync
 * through provider.ts. The cron and hinted syncs (templateSync.ts) and template webhooks
 * (templateEvents.ts, through inbound.ts) keep the stored copies current.
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery } from "../_generated/server";
import { getOwned, orgAction, orgAdminAction, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import schema from "../schema";
import { vEnvironment, vRole, vTemplateCategory } from "../lib/validators";
import { applyTemplateEvent } from "./templateEvents";
import { removeTemplate, storeTemplate, vProviderTemplate } from "./templateStore";
import type { TemplateComponentDefinition } from "./templateRules";

const vParameterFormat = v.union(v.literal("named"), v.literal("positional"));

/** A template as the dashboard lists it: no tenancy and no provider ids. */
export const vTemplateView = doc(schema, "templates").omit(
  "_creationTime",
  "organizationId",
  "environment",
  "businessAccountId",
  "providerTemplateId",
);

function view(t: Doc<"templates">) {
  return project(t, vTemplateView);
}

/** The templates of one number, with their review status. */
export const list = orgQuery({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.array(vTemplateView),
  handler: async (ctx, { connectionId }) => {
    await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    const rows = await ctx.db
      .query("templates")
      .withIndex("by_connectionId_and_name_and_language", (q) => q.eq("connectionId", connectionId))
      .take(500);
    return rows.map(view);
  },
});

export const get = orgQuery({
  args: { templateId: v.id("templates") },
  returns: vTemplateView,
  handler: async (ctx, { templateId }) =>
    view(await getOwned(ctx, ctx.tenant, "templates", templateId)),
});

const vTenantArg = v.object({
  organizationId: v.id("organizations"),
  environment: vEnvironment,
  role: vRole,
  userId: v.string(),
});

/** Tenant check for the actions below: the connection must be the caller's. */
export const checkConnection = internalQuery({
  args: { tenant: vTenantArg, connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { tenant, connectionId }) => {
    await getOwned(ctx, tenant as Tenant, "whatsappConnections", connectionId);
    return null;
  },
});

export const checkTemplate = internalQuery({
  args: { tenant: vTenantArg, templateId: v.id("templates") },
  returns: v.id("whatsappConnections"),
  handler: async (ctx, { tenant, templateId }) =>
    (await getOwned(ctx, tenant as Tenant, "templates", templateId)).connectionId,
});

/**
 * Creates a template on a number. Every definition rule is checked first: an invalid template
 * fails with TEMPLATE_INVALID (listing each problem) and the provider is never called.
 */
export const create = orgAdminAction({
  args: {
    connectionId: v.id("whatsappConnections"),
    name: v.string(),
    language: v.string(),
    category: vTemplateCategory,
    parameterFormat: v.optional(vParameterFormat),
    components: v.array(v.any()),
  },
  returns: v.id("templates"),
  handler: async (ctx, args): Promise<Id<"templates">> => {
    const definition = {
      name: args.name,
      language: args.language,
      category: args.category,
      parameterFormat: args.parameterFormat ?? "positional",
      components: args.components as TemplateComponentDefinition[],
    };
    if (
      !Array.isArray(args.components) ||
      args.components.some((c) => typeof c?.type !== "string")
    ) {
      throw appError("TEMPLATE_INVALID", "Every component needs a type.");
    }
    const problems = await ctx.runAction(internal.whatsapp.templateDefinitions.check, definition);
    if (problems.length > 0) throw appError("TEMPLATE_INVALID", problems.join(" "));
    await ctx.runQuery(internal.whatsapp.templates.checkConnection, {
      tenant: ctx.tenant,
      connectionId: args.connectionId,
    });
    return await ctx.runAction(internal.whatsapp.providerTemplates.createTemplate, {
      ...definition,
      connectionId: args.connectionId,
      category: args.category,
    });
  },
});

/** Deletes a template at the provider, then locally. */
export const remove = orgAdminAction({
  args: { templateId: v.id("templates") },
  returns: v.null(),
  handler: async (ctx, { templateId }) => {
    await ctx.runQuery(internal.whatsapp.templates.checkTemplate, {
      tenant: ctx.tenant,
      templateId,
    });
    await ctx.runAction(internal.whatsapp.providerTemplates.deleteTemplate, { templateId });
    return null;
  },
});

/** Refreshes a number's templates and their status from the provider; returns how many. */
export const sync = orgAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.number(),
  handler: async (ctx, { connectionId }): Promise<number> => {
    await ctx.runQuery(internal.whatsapp.templates.checkConnection, {
      tenant: ctx.tenant,
      connectionId,
    });
    return await ctx.runAction(internal.whatsapp.providerTemplates.syncTemplates, {
      connectionId,
      trigger: "manual",
    });
  },
});

// --- Internal: written by provider.ts and by template webhooks -------------------------------

export const getInternal = internalQuery({
  args: { templateId: v.id("templates") },
  handler: async (ctx, { templateId }) => await ctx.db.get("templates", templateId),
});

export const removeLocal = internalMutation({
  args: { templateId: v.id("templates") },
  returns: v.null(),
  handler: async (ctx, { templateId }) => {
    if ((await ctx.db.get("templates", templateId)) !== null) {
      await removeTemplate(ctx, templateId);
    }
    return null;
  },
});

/** Stores a template the provider just created (provider.ts). */
export const upsertFromProvider = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    businessAccountId: v.string(),
    template: vProviderTemplate,
  },
  returns: v.id("templates"),
  handler: async (ctx, { connectionId, businessAccountId, template }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) throw new Error("Unknown connection.");
    return await storeTemplate(ctx, connection, businessAccountId, template, Date.now());
  },
});

/**
 * A template status change applied as a `message_template_status_update` webhook would be, on
 * every number of the WABA (tests and tools); trusts its caller. Returns the rows changed.
 */
export const applyStatusUpdate = internalMutation({
  args: {
    businessAccountId: v.string(),
    providerTemplateId: v.optional(v.string()),
    name: v.string(),
    language: v.string(),
    status: v.string(),
    reason: v.optional(v.string()),
  },
  returns: v.number(),
  handler: async (ctx, args) => {
    const outcome = await applyTemplateEvent(
      ctx,
      { ...args, kind: "template", event: "status" },
      undefined,
      Date.now(),
    );
    return outcome.rows;
  },
});
