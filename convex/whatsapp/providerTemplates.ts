"use node";
/**
 * The provider boundary for message templates: create, delete and list (with cursors) the
 * templates of a number's WhatsApp Business Account through the number's provider client.
 * Scheduled or run by whatsapp/templates.ts and templateSync.ts; results go back through
 * internal mutations of the templates modules.
 */
import type { WhatsAppClient } from "@kapso/whatsapp-cloud-api";
import type { FunctionReturnType } from "convex/server";
import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { vTemplateCategory, vTemplateSyncTrigger } from "../lib/validators";
import * as cloud from "./cloudApi";
import type { ProviderTarget } from "./connections";
import { clientForConnection, notConnected } from "./provider";
import { nextCursor, templateFromProvider } from "./templateSync";

function requireWaba(target: ProviderTarget): string {
  if (target.businessAccountId === undefined) {
    throw appError(
      "CONNECTION_NOT_READY",
      "This number's WhatsApp Business Account is unknown: templates need it.",
    );
  }
  return target.businessAccountId;
}

/** A failed template call in words: our own error's message, or the provider's and its code. */
function failureText(error: unknown): string {
  if (error instanceof ConvexError) return String((error.data as { message?: string }).message);
  const failure = cloud.classifyFailure(error);
  return `${failure.message}${failure.code !== undefined ? ` (code ${failure.code})` : ""}`;
}

function providerError(error: unknown): never {
  if (error instanceof ConvexError) throw error;
  throw appError("PROVIDER_ERROR", `The provider refused: ${failureText(error)}`);
}

/** Creates a template on the number's WABA (already validated) and stores it. */
export const createTemplate = internalAction({
  args: {
    connectionId: v.id("whatsappConnections"),
    name: v.string(),
    language: v.string(),
    category: vTemplateCategory,
    parameterFormat: v.union(v.literal("named"), v.literal("positional")),
    components: v.array(v.any()),
  },
  returns: v.id("templates"),
  handler: async (ctx, args): Promise<Id<"templates">> => {
    const { client, target } = await clientForConnection(ctx, args.connectionId);
    const businessAccountId = requireWaba(target);
    let created: { id: string; status: string };
    try {
      created = await client.templates.create({
        businessAccountId,
        name: args.name,
        language: args.language,
        category: args.category,
        parameterFormat: args.parameterFormat === "named" ? "NAMED" : "POSITIONAL",
        components: args.components as { type: string }[],
      });
    } catch (error) {
      providerError(error);
    }
    return await ctx.runMutation(internal.whatsapp.templates.upsertFromProvider, {
      connectionId: args.connectionId,
      businessAccountId,
      template: {
        providerTemplateId: created.id,
        name: args.name,
        language: args.language,
        category: args.category,
        parameterFormat: args.parameterFormat,
        status: created.status ?? "PENDING",
        components: args.components,
      },
    });
  },
});

/** Deletes a template (all its languages share the name at Meta; this deletes one language). */
export const deleteTemplate = internalAction({
  args: { templateId: v.id("templates") },
  returns: v.null(),
  handler: async (ctx, { templateId }) => {
    const template = await ctx.runQuery(internal.whatsapp.templates.getInternal, { templateId });
    if (template === null) return null;
    const { client, target } = await clientForConnection(ctx, template.connectionId);
    try {
      await client.templates.delete({
        businessAccountId: requireWaba(target),
        name: template.name,
        language: template.language,
      });
    } catch (error) {
      providerError(error);
    }
    await ctx.runMutation(internal.whatsapp.templates.removeLocal, { templateId });
    return null;
  },
});

type SyncPass = NonNullable<FunctionReturnType<typeof internal.whatsapp.templateSync.beginSync>>;

/** Follows the list's cursors for the pages the pass allows; true once the list is done. */
async function syncPages(
  ctx: ActionCtx,
  client: WhatsAppClient,
  connectionId: Id<"whatsappConnections">,
  pass: SyncPass,
  progress: { stored: number; cursor?: string; name?: string },
): Promise<boolean> {
  for (let page = 0; page < pass.pages; page++) {
    const listed = await cloud.listTemplatePage(client, {
      businessAccountId: pass.businessAccountId,
      limit: pass.pageSize,
      after: progress.cursor,
      name: progress.name,
    });
    const data = listed.data ?? [];
    progress.stored += await ctx.runMutation(internal.whatsapp.templateSync.storePage, {
      connectionId,
      businessAccountId: pass.businessAccountId,
      // One template looked up by name is not part of a pass over the whole list.
      passStartedAt: progress.name === undefined ? pass.passStartedAt : undefined,
      templates: data.flatMap((raw) => templateFromProvider(raw) ?? []),
    });
    const next = nextCursor(listed.paging, progress.cursor, data.length, pass.pageSize);
    if (next === undefined) return true;
    progress.cursor = next;
  }
  return false;
}

/**
 * Syncs a number's templates from the provider's list (see templateSync.ts for when, and how
 * far per run); `name` looks up one template (a send found it missing or not APPROVED).
 * Returns how many templates were stored. A sync asked for by a person or a send reports a
 * provider error; the cron's and the hints' are recorded for the backoff.
 */
export const syncTemplates = internalAction({
  args: {
    connectionId: v.id("whatsappConnections"),
    trigger: v.optional(vTemplateSyncTrigger),
    name: v.optional(v.string()),
  },
  returns: v.number(),
  handler: async (ctx, { connectionId, trigger = "manual", name }): Promise<number> => {
    const targeted = name !== undefined;
    const pass = await ctx.runMutation(internal.whatsapp.templateSync.beginSync, {
      connectionId,
      trigger,
      targeted,
    });
    if (pass === null) {
      if (trigger === "manual") throw notConnected();
      return 0;
    }
    const progress = { stored: 0, cursor: pass.cursor, name };
    const finish = internal.whatsapp.templateSync.finishSync;
    try {
      const { client } = await clientForConnection(ctx, connectionId);
      const done = await syncPages(ctx, client, connectionId, pass, progress);
      const outcome = done
        ? { kind: "complete" as const, passStartedAt: pass.passStartedAt }
        : { kind: "partial" as const, cursor: progress.cursor! };
      await ctx.runMutation(finish, { connectionId, targeted, outcome });
    } catch (error) {
      const outcome = { kind: "failed" as const, error: failureText(error) };
      await ctx.runMutation(finish, { connectionId, targeted, outcome });
      if (trigger === "manual" || trigger === "send") providerError(error);
    }
    return progress.stored;
  },
});
