/**
 * The arguments of each built-in agent tool, as zod schemas: shown to the model as JSON Schema,
 * checked when the model calls the tool, and — parsed, with defaults applied — the one shape the
 * tool's effect receives (toolEffects.ts validates it with the same schema). Strict objects
 * reject any extra field a prompt injection might add (`to`, ids...).
 */
import { z } from "zod";
import type { BuiltinTool } from "../lib/validators";

const https = z
  .string()
  .max(2000)
  .refine((value) => /^https:\/\/[^\s]+$/i.test(value), "must be an https URL");

const interactive = z
  .strictObject({
    body: z.string().min(1).max(1024),
    header: z.string().max(60).optional(),
    footer: z.string().max(60).optional(),
    buttons: z
      .array(z.strictObject({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }))
      .min(1)
      .max(3)
      .optional(),
    list: z
      .strictObject({
        buttonText: z.string().min(1).max(20),
        sections: z
          .array(
            z.strictObject({
              title: z.string().min(1).max(24),
              rows: z
                .array(
                  z.strictObject({
                    id: z.string().min(1).max(200),
                    title: z.string().min(1).max(24),
                    description: z.string().max(72).optional(),
                  }),
                )
                .min(1)
                .max(10),
            }),
          )
          .min(1)
          .max(10),
      })
      .optional(),
  })
  .refine((v) => (v.buttons === undefined) !== (v.list === undefined), {
    message: "give either buttons or list, not both",
  });

/** Reasons an agent may give for handing a conversation to a person. */
export const AGENT_HANDOFF_REASONS = [
  "customer_asked",
  "frustration",
  "out_of_scope",
  "sensitive",
] as const;

export const TOOL_SCHEMAS = {
  "whatsapp.send": z.strictObject({ text: z.string().min(1).max(4096) }),
  "whatsapp.sendTemplate": z.strictObject({
    name: z.string().min(1).max(512),
    language: z.string().min(2).max(15),
    bodyParameters: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
    headerParameters: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
  }),
  "whatsapp.sendInteractive": interactive,
  "whatsapp.sendMedia": z.strictObject({
    type: z.enum(["image", "document", "audio", "video"]),
    url: https,
    caption: z.string().max(1024).optional(),
    filename: z.string().max(240).optional(),
  }),
  "whatsapp.getConversation": z.strictObject({
    limit: z.number().int().min(1).max(50).default(20),
  }),
  "whatsapp.getStatus": z.strictObject({}),
  "handoff.toHuman": z.strictObject({
    reason: z.enum(AGENT_HANDOFF_REASONS).default("customer_asked"),
    summary: z.string().min(1).max(500),
  }),
  "memory.search": z.strictObject({
    query: z.string().min(1).max(200),
    limit: z.number().int().min(1).max(10).default(5),
    source: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'Only memories learned on one number: "this" for this number, or another number\'s label or phone number.',
      ),
  }),
  "memory.store": z.strictObject({
    content: z.string().min(1).max(1000),
    kind: z.enum(["note", "fact"]).default("note"),
  }),
  "agents.handoff": z.strictObject({
    agent: z.string().min(1).max(64).describe("The other agent's slug."),
    note: z.string().min(1).max(1000).describe("What the next agent needs to know."),
  }),
  "followUps.schedule": z.strictObject({
    delayMinutes: z
      .number()
      .int()
      .min(1)
      .max(90 * 24 * 60),
    text: z.string().min(1).max(4096),
    template: z
      .strictObject({
        name: z.string().min(1).max(512),
        language: z.string().min(2).max(15),
        bodyParameters: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
      })
      .optional(),
    cancelOnReply: z.boolean().default(true),
  }),
  "lead.qualify": z.strictObject({
    summary: z.string().min(1).max(2000),
    fields: z
      .record(z.string().min(1).max(64), z.string().max(500))
      .refine((f) => Object.keys(f).length <= 30, "at most 30 fields")
      .default({}),
  }),
} satisfies Record<BuiltinTool, z.ZodType>;

/**
 * `whatsapp.send` of an agent an admin allowed to message other numbers: `to` names one of them
 * (checked against the agent's allow-list when the message is sent); without it, the customer.
 */
export const WHATSAPP_SEND_TO_SCHEMA = z.strictObject({
  text: z.string().min(1).max(4096),
  to: z
    .string()
    .min(7)
    .max(32)
    .optional()
    .describe(
      "Another number (E.164) this business allowed you to message; omit to answer the customer.",
    ),
});
export type WhatsappSendToInput = z.output<typeof WHATSAPP_SEND_TO_SCHEMA>;

/**
 * `conversation.assess`: the model's own judgement of the turn, offered while the agent counts
 * unresolved turns (its handoff policy's `maxUnresolvedTurns`).
 */
export const CONVERSATION_ASSESS_SCHEMA = z.strictObject({
  unresolved: z
    .boolean()
    .describe("True when the customer raises again a problem your earlier replies did not solve."),
  note: z.string().min(1).max(300).optional().describe("The problem, in a few words."),
});
export type ConversationAssessInput = z.output<typeof CONVERSATION_ASSESS_SCHEMA>;

/** `media.view`, offered to agents that may see images (`vision`). */
export const MEDIA_VIEW_SCHEMA = z.strictObject({
  messageId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("The media_view id shown next to the image; omit for the latest image."),
});
export type MediaViewInput = z.output<typeof MEDIA_VIEW_SCHEMA>;

/** A built-in tool's arguments once parsed (defaults applied): what its effect receives. */
export type ToolInput<T extends BuiltinTool> = z.output<(typeof TOOL_SCHEMAS)[T]>;
