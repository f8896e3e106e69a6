/**
 * What can be sent and how one send is going: outbound content, template parameters, send
 * states and provider attempts.
 */
import { v, type Infer } from "convex/values";

export const vMediaType = v.union(
  v.literal("image"),
  v.literal("document"),
  v.literal("audio"),
  v.literal("video"),
);
export type MediaType = Infer<typeof vMediaType>;

/** Values of a template's variables: positional (`{{1}}`, in order) or named (`{{first_name}}`). */
export const vTemplateValues = v.union(v.array(v.string()), v.record(v.string(), v.string()));
export type TemplateValues = Infer<typeof vTemplateValues>;

/** Parameters of a template send, checked against the stored template before anything is sent. */
export const vTemplateParameters = v.object({
  header: v.optional(vTemplateValues),
  /** For IMAGE / VIDEO / DOCUMENT headers: the media link. */
  headerMediaUrl: v.optional(v.string()),
  body: v.optional(vTemplateValues),
  /** Dynamic URL button suffixes, by button index. */
  buttons: v.optional(v.array(v.object({ index: v.number(), text: v.string() }))),
});
export type TemplateParameters = Infer<typeof vTemplateParameters>;

/** One outbound message of any kind (mark-as-read is not a message). */
export const vOutboundContent = v.union(
  v.object({ kind: v.literal("text"), text: v.string(), previewUrl: v.optional(v.boolean()) }),
  v.object({
    kind: v.literal("media"),
    mediaType: vMediaType,
    /** A public link the provider fetches... */
    url: v.optional(v.string()),
    /** ...or a file in Convex storage, uploaded to the provider at send time. */
    storageId: v.optional(v.id("_storage")),
    mimeType: v.optional(v.string()),
    caption: v.optional(v.string()),
    filename: v.optional(v.string()),
  }),
  v.object({
    kind: v.literal("buttons"),
    body: v.string(),
    header: v.optional(v.string()),
    footer: v.optional(v.string()),
    buttons: v.array(v.object({ id: v.string(), title: v.string() })),
  }),
  v.object({
    kind: v.literal("list"),
    body: v.string(),
    buttonText: v.string(),
    header: v.optional(v.string()),
    footer: v.optional(v.string()),
    sections: v.array(
      v.object({
        title: v.optional(v.string()),
        rows: v.array(
          v.object({ id: v.string(), title: v.string(), description: v.optional(v.string()) }),
        ),
      }),
    ),
  }),
  v.object({
    kind: v.literal("template"),
    name: v.string(),
    language: v.string(),
    parameters: v.optional(vTemplateParameters),
  }),
  v.object({ kind: v.literal("reaction"), messageId: v.string(), emoji: v.string() }),
);
export type OutboundContent = Infer<typeof vOutboundContent>;

/** Where one send stands. `unconfirmed`: the provider may have accepted it (see outbound/sends.ts). */
export const vSendState = v.union(
  v.literal("pacing"),
  v.literal("scheduled"),
  v.literal("sending"),
  v.literal("unconfirmed"),
  v.literal("sent"),
  v.literal("failed"),
);
export type SendState = Infer<typeof vSendState>;

/** One provider call of a send, as the dashboard's message timeline shows it. */
export const vSendAttempt = v.object({
  startedAt: v.number(),
  finishedAt: v.number(),
  outcome: v.union(
    v.literal("accepted"),
    v.literal("transient"),
    v.literal("permanent"),
    v.literal("ambiguous"),
    v.literal("found"),
    v.literal("not_found"),
    v.literal("lookup_failed"),
  ),
  httpStatus: v.optional(v.number()),
  code: v.optional(v.number()),
  error: v.optional(v.string()),
});
export type SendAttempt = Infer<typeof vSendAttempt>;
