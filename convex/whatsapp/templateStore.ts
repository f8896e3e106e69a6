/**
 * Stored templates, which this module owns: the shape of one template from a create answer or
 * the list, the insert-or-update by number, name and language that the sync (templateSync.ts)
 * and template creation (templates.ts) share, what a template webhook changes
 * (templateEvents.ts), and removal.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { stripUndefined } from "../lib/objects";
import { vTemplateCategory } from "../lib/validators";

/** A template as the provider describes it (a create answer or one item of the list). */
export const vProviderTemplate = v.object({
  providerTemplateId: v.optional(v.string()),
  name: v.string(),
  language: v.string(),
  category: vTemplateCategory,
  parameterFormat: v.union(v.literal("named"), v.literal("positional")),
  status: v.string(),
  components: v.any(),
  /** Quality rating when the list returns it (`quality_score`), with its date in ms. */
  quality: v.optional(v.object({ score: v.string(), at: v.optional(v.number()) })),
  previousCategory: v.optional(v.string()),
  statusReason: v.optional(v.string()),
});
export type ProviderTemplate = Infer<typeof vProviderTemplate>;

/** The stored copy of a template on a number, by name and language. */
export async function findStoredTemplate(
  ctx: QueryCtx,
  connectionId: Id<"whatsappConnections">,
  name: string,
  language: string,
) {
  return await ctx.db
    .query("templates")
    .withIndex("by_connectionId_and_name_and_language", (q) =>
      q.eq("connectionId", connectionId).eq("name", name).eq("language", language),
    )
    .first();
}

/**
 * Stores a template as the provider describes it (insert or update by name and language).
 * `syncedAt` marks it as seen by the sync pass that began then (see templateSync.ts).
 */
export async function storeTemplate(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  businessAccountId: string,
  template: ProviderTemplate,
  now: number,
  syncedAt?: number,
): Promise<Id<"templates">> {
  const existing = await findStoredTemplate(ctx, connection._id, template.name, template.language);
  const score = template.quality?.score.toUpperCase();
  const previousScore = existing?.quality?.score;
  const fields = stripUndefined({
    businessAccountId,
    providerTemplateId: template.providerTemplateId,
    category: template.category,
    parameterFormat: template.parameterFormat,
    status: template.status.toUpperCase(),
    previousCategory: template.previousCategory,
    syncedAt,
    updatedAt: now,
    quality:
      score === undefined
        ? undefined
        : score === previousScore
          ? existing!.quality
          : { score, previousScore, updatedAt: template.quality?.at ?? now },
  });
  if (existing !== null) {
    const reviewed = existing.status !== fields.status;
    const statusReason = reviewed
      ? template.statusReason
      : (existing.statusReason ?? template.statusReason);
    // An announced category change is over once the provider reports the new category.
    const categoryChange =
      existing.categoryChange?.to === template.category ? undefined : existing.categoryChange;
    await ctx.db.patch("templates", existing._id, {
      ...fields,
      components: template.components,
      statusReason,
      categoryChange,
    });
    return existing._id;
  }
  return await ctx.db.insert("templates", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    connectionId: connection._id,
    name: template.name,
    language: template.language,
    ...fields,
    components: template.components,
    ...(template.statusReason !== undefined ? { statusReason: template.statusReason } : {}),
  });
}

/** What a template webhook says of a stored copy (templateEvents.ts), with the provider's id. */
export async function applyTemplateChange(
  ctx: MutationCtx,
  template: Doc<"templates">,
  change: Partial<Doc<"templates">>,
) {
  await ctx.db.patch("templates", template._id, change);
}

/** Removes a stored copy (deleted at the provider, or no longer listed by it). */
export async function removeTemplate(ctx: MutationCtx, templateId: Id<"templates">) {
  await ctx.db.delete("templates", templateId);
}
