/**
 * What may be sent, decided without the database: the 24-hour customer-service window, the
 * Cloud API limits of each message kind, the template checks and the Cloud API `template`
 * object, and how a queued message looks in history. Pure functions, so every rule can be
 * tested on its own; `sends.ts` applies them before anything is written.
 */
import type { Doc } from "../_generated/dataModel";
import { appError } from "../lib/errors";
import type { ChannelData, OutboundContent } from "../lib/validators";
import {
  prepareTemplateSend,
  templateHistoryContent,
  type TemplateComponentDefinition,
} from "../whatsapp/templateRules";

/** Meta's customer-service window: free-form messages only within 24 h of the last inbound. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether free-form messages may be sent on a thread at `now`. */
export function isWindowOpen(thread: Pick<Doc<"threads">, "channelParams">, now: number) {
  const last = thread.channelParams.lastInboundAt;
  return last !== undefined && now - last < CUSTOMER_SERVICE_WINDOW_MS;
}

/** Refuses free-form content once the window has closed (templates are always allowed). */
export function requireWindowOpen(thread: Pick<Doc<"threads">, "channelParams">, now: number) {
  if (isWindowOpen(thread, now)) return;
  throw appError(
    "OUTSIDE_CUSTOMER_SERVICE_WINDOW",
    "More than 24 hours have passed since the customer's last message: only an approved template can be sent now.",
  );
}

export function invalid(message: string): never {
  throw appError("MESSAGE_INVALID", message);
}

function checkLength(what: string, value: string | undefined, max: number, required = true) {
  if (value === undefined || value.trim() === "") {
    if (required) invalid(`${what} is required.`);
    return;
  }
  if (value.length > max) invalid(`${what} is at most ${max} characters.`);
}

type ContentOf<K extends OutboundContent["kind"]> = Extract<OutboundContent, { kind: K }>;

function validateMedia(content: ContentOf<"media">) {
  const sources = [content.url, content.storageId].filter((s) => s !== undefined);
  if (sources.length !== 1) invalid("A media message needs exactly one of url or storageId.");
  if (content.url !== undefined && !/^https?:\/\//.test(content.url)) {
    invalid("The media url must be http(s).");
  }
  if (content.mediaType === "audio" && content.caption !== undefined) {
    invalid("Audio messages have no caption.");
  }
  checkLength("Caption", content.caption, 1024, false);
}

function validateButtons(content: ContentOf<"buttons">) {
  checkLength("Body", content.body, 1024);
  checkLength("Header", content.header, 60, false);
  checkLength("Footer", content.footer, 60, false);
  if (content.buttons.length < 1 || content.buttons.length > 3) {
    invalid("Reply buttons: 1 to 3 buttons.");
  }
  for (const b of content.buttons) {
    checkLength("Button title", b.title, 20);
    checkLength("Button id", b.id, 256);
  }
  if (new Set(content.buttons.map((b) => b.id)).size !== content.buttons.length) {
    invalid("Button ids must be unique.");
  }
}

function validateList(content: ContentOf<"list">) {
  checkLength("Body", content.body, 4096);
  checkLength("Button text", content.buttonText, 20);
  checkLength("Header", content.header, 60, false);
  checkLength("Footer", content.footer, 60, false);
  const rows = content.sections.flatMap((s) => s.rows);
  if (content.sections.length < 1 || content.sections.length > 10) {
    invalid("Lists: 1 to 10 sections.");
  }
  if (rows.length < 1 || rows.length > 10) invalid("Lists: 1 to 10 rows in total.");
  if (content.sections.length > 1 && content.sections.some((s) => !s.title)) {
    invalid("Lists with several sections need a title on each.");
  }
  for (const s of content.sections) checkLength("Section title", s.title, 24, false);
  for (const r of rows) {
    checkLength("Row title", r.title, 24);
    checkLength("Row id", r.id, 200);
    checkLength("Row description", r.description, 72, false);
  }
  if (new Set(rows.map((r) => r.id)).size !== rows.length) invalid("Row ids must be unique.");
}

/** Cloud API limits of each kind, checked before anything is written (MESSAGE_INVALID). */
export function validateContent(content: OutboundContent) {
  switch (content.kind) {
    case "text":
      return checkLength("Text", content.text, 4096);
    case "media":
      return validateMedia(content);
    case "buttons":
      return validateButtons(content);
    case "list":
      return validateList(content);
    case "template":
      return checkLength("Template name", content.name, 512);
    case "reaction":
      checkLength("Reaction target", content.messageId, 512);
      return checkLength("Emoji", content.emoji, 16);
  }
}

/** What a message looks like in history (the `content` column); templates: `templateSend`. */
export function historyText(content: OutboundContent): string {
  switch (content.kind) {
    case "text":
      return content.text;
    case "media":
      return content.caption ?? `[${content.mediaType}]`;
    case "buttons":
      return `${content.body}\n${content.buttons.map((b) => `[${b.title}]`).join(" ")}`;
    case "list":
      return `${content.body}\n[${content.buttonText}]`;
    case "reaction":
      return content.emoji;
    case "template":
      return `[Template: ${content.name}]`;
  }
}

/** The Cloud API message type of a kind (`channelData.type`). */
export function cloudApiType(content: OutboundContent): string {
  if (content.kind === "media") return content.mediaType;
  if (content.kind === "buttons" || content.kind === "list") return "interactive";
  return content.kind;
}

/** The stored template a send names, as far as sending needs it. */
export type TemplateForSend = Pick<Doc<"templates">, "status" | "parameterFormat" | "components">;

/**
 * Checks a template send against the stored template (null: not on this number) and builds the
 * Cloud API `template` object plus its history text, or throws TEMPLATE_NOT_FOUND,
 * TEMPLATE_NOT_APPROVED or TEMPLATE_PARAMETERS_INVALID.
 */
export function templateSend(content: ContentOf<"template">, template: TemplateForSend | null) {
  if (template === null) {
    throw appError(
      "TEMPLATE_NOT_FOUND",
      `No template "${content.name}" (${content.language}) on this number: create or sync it first.`,
    );
  }
  if (template.status !== "APPROVED") {
    throw appError(
      "TEMPLATE_NOT_APPROVED",
      `Template "${content.name}" is ${template.status}: only APPROVED templates can be sent.`,
    );
  }
  const { problems, prepared } = prepareTemplateSend(
    {
      parameterFormat: template.parameterFormat,
      components: template.components as TemplateComponentDefinition[],
    },
    content.parameters,
  );
  if (prepared === undefined) {
    throw appError(
      "TEMPLATE_PARAMETERS_INVALID",
      `Template "${content.name}": ${problems.join(" ")}`,
    );
  }
  const payload = {
    name: content.name,
    language: { code: content.language },
    // A template without variables is sent without components.
    ...(prepared.components.length > 0 ? { components: prepared.components } : {}),
  };
  return { payload, text: templateHistoryContent(content.name, prepared.renderedBody) };
}

/** The `channelData` of a message as it is queued. */
export function queuedChannelData(
  content: OutboundContent,
  options: { origin: "dashboard" | "agent"; replyTo?: string; now: number },
): ChannelData {
  return {
    channel: "whatsapp",
    direction: "outbound",
    type: cloudApiType(content),
    status: "queued",
    statusTimestamps: { queuedAt: options.now },
    origin: options.origin,
    templateName: content.kind === "template" ? content.name : undefined,
    media:
      content.kind === "media"
        ? {
            url: content.url,
            mimeType: content.mimeType,
            caption: content.caption,
            filename: content.filename,
          }
        : undefined,
    payload:
      content.kind === "buttons" || content.kind === "list" || content.kind === "reaction"
        ? content
        : undefined,
    contextMessageId: content.kind === "reaction" ? content.messageId : options.replyTo,
  };
}
