/**
 * Message templates of a number's WhatsApp Business Account (scoped per connection, since Meta
 * scopes them per WABA, not org-wide): create (validated by templateRules.ts before the
 * provider sees anything), list with status, get, delete and sync through provider.ts. Template
 * status webhooks (through inbound.ts) land in `applyTemplateStatus`, which keeps it current.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { getOwned, orgAction, orgAdminAction, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { templateDefinitionProblems, type TemplateComponentDefinition } from "./templateRules";
import { vEnvironment, vRole, vTemplateCategory } from "../lib/validators";

const vParameterFormat = v.union(v.literal("named"), v.literal("positional"));

export const vTemplateView = v.object({
  _id: v.id("templates"),
  connectionId: v.id("whatsappConnections"),
  name: v.string(),
  language: v.string(),
  category: vTemplateCategory,
  parameterFormat: vParameterFormat,
  status: v.string(),
  statusReason: v.optional(v.string()),
  components: v.any(),
  updatedAt: v.number(),
});

function view(t: Doc<"templates">) {
  return {
    _id: t._id,
    connectionId: t.connectionId,
    name: t.name,
    language: t.language,
    category: t.category,
    parameterFormat: t.parameterFormat,
    status: t.status,
    ...(t.statusReason !== undefined ? { statusReason: t.statusReason } : {}),
    components: t.components,
    updatedAt: t.updatedAt,
  };
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
    const problems = templateDefinitionProblems(definition);
    if (problems.length > 0) throw appError("TEMPLATE_INVALID", problems.join(" "));
    await ctx.runQuery(internal.whatsapp.templates.checkConnection, {
      tenant: ctx.tenant,
      connectionId: args.connectionId,
    });
    return await ctx.runAction(internal.whatsapp.provider.createTemplate, {
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
    await ctx.runAction(internal.whatsapp.provider.deleteTemplate, { templateId });
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
    return await ctx.runAction(internal.whatsapp.provider.syncTemplates, { connectionId });
  },
});

// --- Internal: written by provider.ts and by template status webhooks -------------------------

export const getInternal = internalQuery({
  args: { templateId: v.id("templates") },
  handler: async (ctx, { templateId }) => await ctx.db.get("templates", templateId),
});

export const removeLocal = internalMutation({
  args: { templateId: v.id("templates") },
  returns: v.null(),
  handler: async (ctx, { templateId }) => {
    if ((await ctx.db.get("templates", templateId)) !== null) {
      await ctx.db.delete("templates", templateId);
    }
    return null;
  },
});

/** Stores a template as the provider describes it (insert or update by name and language). */
export const upsertFromProvider = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    businessAccountId: v.string(),
    template: v.object({
      providerTemplateId: v.optional(v.string()),
      name: v.string(),
      language: v.string(),
      category: vTemplateCategory,
      parameterFormat: vParameterFormat,
      status: v.string(),
      components: v.any(),
    }),
  },
  returns: v.id("templates"),
  handler: async (ctx, { connectionId, businessAccountId, template }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) throw new Error("Unknown connection.");
    const existing = await ctx.db
      .query("templates")
      .withIndex("by_connectionId_and_name_and_language", (q) =>
        q
          .eq("connectionId", connectionId)
          .eq("name", template.name)
          .eq("language", template.language),
      )
      .first();
    const fields = {
      businessAccountId,
      ...(template.providerTemplateId !== undefined
        ? { providerTemplateId: template.providerTemplateId }
        : {}),
      category: template.category,
      parameterFormat: template.parameterFormat,
      status: template.status.toUpperCase(),
      components: template.components,
      updatedAt: Date.now(),
    };
    if (existing !== null) {
      await ctx.db.patch("templates", existing._id, fields);
      return existing._id;
    }
    return await ctx.db.insert("templates", {
      organizationId: connection.organizationId,
      environment: connection.environment,
      connectionId,
      name: template.name,
      language: template.language,
      ...fields,
    });
  },
});

export type TemplateStatusUpdate = {
  businessAccountId: string;
  providerTemplateId?: string;
  name?: string;
  language?: string;
  status: string;
  reason?: string;
  at: number;
};

/**
 * A template status webhook (`message_template_status_update`: APPROVED, REJECTED, PAUSED,
 * DISABLED, DELETED, ...): updates every stored copy on that WABA (several numbers may share
 * one), found by provider id or by name and language. `connectionIds`, when given, limits the
 * update to the numbers whose signature verified the delivery. Returns the rows changed.
 */
export async function applyTemplateStatus(
  ctx: MutationCtx,
  update: TemplateStatusUpdate,
  connectionIds?: Id<"whatsappConnections">[],
): Promise<Doc<"templates">[]> {
  let rows: Doc<"templates">[] = [];
  if (update.providerTemplateId !== undefined) {
    rows = await ctx.db
      .query("templates")
      .withIndex("by_providerTemplateId", (q) =>
        q.eq("providerTemplateId", update.providerTemplateId),
      )
      .take(50);
  }
  if (rows.length === 0 && update.name !== undefined && update.language !== undefined) {
    rows = await ctx.db
      .query("templates")
      .withIndex("by_businessAccountId_and_name_and_language", (q) =>
        q
          .eq("businessAccountId", update.businessAccountId)
          .eq("name", update.name!)
          .eq("language", update.language!),
      )
      .take(50);
  }
  rows = rows.filter(
    (row) =>
      row.businessAccountId === update.businessAccountId &&
      (connectionIds === undefined || connectionIds.includes(row.connectionId)),
  );
  const status = update.status.toUpperCase();
  for (const row of rows) {
    if (status === "DELETED") {
      await ctx.db.delete("templates", row._id);
      continue;
    }
    await ctx.db.patch("templates", row._id, {
      status,
      statusReason: update.reason && update.reason !== "NONE" ? update.reason : undefined,
      ...(update.providerTemplateId !== undefined
        ? { providerTemplateId: update.providerTemplateId }
        : {}),
      updatedAt: update.at,
    });
  }
  return rows;
}

/** `applyTemplateStatus` for callers outside a mutation (tests, tools); trusts its caller. */
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
  handler: async (ctx, args) =>
    (await applyTemplateStatus(ctx, { ...args, at: Date.now() })).length,
});
