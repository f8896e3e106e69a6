/**
 * What a handoff to a person tells beyond the inbox: the summary goes into the customer's memory
 * (so every number of the memory pool knows it), and the tenant's escalation contact gets a
 * WhatsApp message from the customer's number — text inside the contact's own 24-hour window,
 * otherwise the configured approved template — naming the customer, the summary and a dashboard
 * link. Sending goes through the outbound queue; a message that cannot go out is recorded on
 * the handoff event, never blocking the handoff.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { getOrCreateContactByPhone } from "../customers/contacts";
import { storeMemory } from "../customers/memories";
import { dashboardUrl } from "../lib/config";
import { isAppError } from "../lib/errors";
import type {
  EscalationContact,
  EscalationNotice,
  HandoffReason,
  TemplateParameters,
} from "../lib/validators";
import { isWindowOpen, templateSend } from "../outbound/content";
import { enqueueOutbound } from "../outbound/sends";
import { threadExternalId } from "../whatsapp/phone";
import { variablesOf, type TemplateComponentDefinition } from "../whatsapp/templateRules";
import { getOrCreateThread, startHumanOwned } from "./threads";

/** Reasons that leave a customer waiting for a person (a person who already acted needs no alert). */
const NEEDS_A_PERSON: readonly HandoffReason[] = [
  "customer_asked",
  "frustration",
  "out_of_scope",
  "sensitive",
  "escalation_keyword",
  "repeated_failure",
  "unresolved",
];

/** Longest summary quoted to the escalation contact. */
const MAX_NOTICE_SUMMARY = 500;

export type SharedHandoff = {
  reason: HandoffReason;
  reasonText: string;
  summary?: string;
  now: number;
};

/** The dashboard page of a thread (`SWITCHBOARD_DASHBOARD_URL/{environment}/inbox/{threadId}`). */
export function threadLink(thread: Pick<Doc<"threads">, "_id" | "environment">) {
  return `${dashboardUrl()}/${thread.environment}/inbox/${thread._id}`;
}

/** The thread of `phoneNumber` on a number, if that person ever had one. */
export async function threadWithNumber(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  phoneNumber: string,
) {
  return await ctx.db
    .query("threads")
    .withIndex("by_externalId", (q) =>
      q.eq("externalId", threadExternalId(connectionId, phoneNumber)),
    )
    .first();
}

/**
 * The escalation contact's thread on the customer's number, created when missing. A thread
 * created here belongs to a human from the start, so the AI never answers the teammate.
 */
async function escalationThread(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  person: EscalationContact,
  now: number,
) {
  const existing = await threadWithNumber(ctx, connection._id, person.phoneNumber);
  if (existing !== null) return existing;
  const contact = await getOrCreateContactByPhone(ctx, connection, person, now);
  const thread = await getOrCreateThread(ctx, connection, contact, now);
  return await startHumanOwned(ctx, thread, now);
}

/** Template parameters are one line each (the Cloud API refuses newlines and tabs). */
function oneLine(text: string) {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The body values of the escalation template: positional `{{1}}` customer, `{{2}}` summary,
 * `{{3}}` link; named `{{customer}}`, `{{summary}}`, `{{link}}`. Other variables: a problem.
 */
function templateParameters(
  template: Doc<"templates"> | null,
  values: { customer: string; summary: string; link: string },
): TemplateParameters | string | undefined {
  if (template === null) return undefined;
  const body = (template.components as TemplateComponentDefinition[]).find(
    (c) => c.type.toUpperCase() === "BODY",
  );
  const names = [...new Set(variablesOf(typeof body?.text === "string" ? body.text : ""))];
  if (names.length === 0) return undefined;
  const ordered = [values.customer, values.summary, values.link];
  if (template.parameterFormat === "positional") {
    if (names.length > ordered.length) {
      return `Template "${template.name}" has ${names.length} variables; the escalation fills at most 3 (customer, summary, link).`;
    }
    return { body: ordered.slice(0, names.length) };
  }
  const known: Record<string, string> = values;
  const unknown = names.filter((n) => !(n in known));
  if (unknown.length > 0) {
    return `Template "${template.name}" uses ${unknown.join(", ")}; the escalation fills customer, summary and link.`;
  }
  return { body: Object.fromEntries(names.map((n) => [n, known[n]!])) };
}

async function sendTemplateNotice(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  person: EscalationContact & { template: { name: string; language: string } },
  values: { customer: string; summary: string; link: string },
  now: number,
): Promise<EscalationNotice> {
  const { name, language } = person.template;
  const template = await ctx.db
    .query("templates")
    .withIndex("by_connectionId_and_name_and_language", (q) =>
      q.eq("connectionId", connection._id).eq("name", name).eq("language", language),
    )
    .first();
  const parameters = templateParameters(template, values);
  if (typeof parameters === "string") {
    return { phoneNumber: person.phoneNumber, error: parameters };
  }
  const content = {
    kind: "template" as const,
    name,
    language,
    ...(parameters ? { parameters } : {}),
  };
  // Checked before the contact's thread is created, so a refused template leaves nothing behind.
  templateSend(content, template);
  const thread = await escalationThread(ctx, connection, person, now);
  const messageId = await enqueueOutbound(ctx, {
    threadId: thread._id,
    role: "assistant",
    content,
  });
  return { phoneNumber: person.phoneNumber, as: "template", messageId };
}

/**
 * Tells the tenant's escalation contact that `thread` needs a person. Returns what happened, to
 * be recorded on the handoff event; undefined when there is nobody to tell.
 */
export async function notifyEscalationContact(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  person: EscalationContact | undefined,
  handoff: SharedHandoff,
): Promise<EscalationNotice | undefined> {
  if (person === undefined || !NEEDS_A_PERSON.includes(handoff.reason)) return undefined;
  // The escalation contact's own conversation is never escalated to themselves.
  if (thread.channelParams.phoneNumber === person.phoneNumber) return undefined;
  const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
  if (connection === null) {
    return { phoneNumber: person.phoneNumber, error: "The customer's number is gone." };
  }
  const phone = thread.channelParams.phoneNumber;
  const name = thread.channelParams.contactName;
  const values = {
    customer: oneLine(name && phone ? `${name} (${phone})` : (name ?? phone ?? "A customer")),
    summary: oneLine(`${handoff.reasonText}. ${handoff.summary ?? ""}`).slice(
      0,
      MAX_NOTICE_SUMMARY,
    ),
    link: threadLink(thread),
  };
  try {
    const own = await threadWithNumber(ctx, connection._id, person.phoneNumber);
    if (own !== null && isWindowOpen(own, handoff.now)) {
      const text = `${values.customer} needs a person on ${connection.label}.\n${values.summary}\nOpen the conversation: ${values.link}`;
      const messageId = await enqueueOutbound(ctx, {
        threadId: own._id,
        role: "assistant",
        content: { kind: "text", text },
      });
      return { phoneNumber: person.phoneNumber, as: "text", messageId };
    }
    if (person.template === undefined) {
      return {
        phoneNumber: person.phoneNumber,
        error:
          "Their 24-hour window with this number is closed and no escalation template is configured.",
      };
    }
    return await sendTemplateNotice(
      ctx,
      connection,
      { ...person, template: person.template },
      values,
      handoff.now,
    );
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { phoneNumber: person.phoneNumber, error: error.data.message };
  }
}

/**
 * The handoff summary in the customer's memory, tagged with the number it happened on, so every
 * number of the memory pool knows the customer was handed to a person and why.
 */
export async function rememberHandoff(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  handoff: SharedHandoff,
) {
  if (handoff.summary === undefined || handoff.summary.trim() === "") return;
  const day = new Date(handoff.now).toISOString().slice(0, 10);
  await storeMemory(ctx, thread, {
    kind: "summary",
    content: `Handed to a person on ${day} (${handoff.reasonText.toLowerCase()}): ${handoff.summary}`,
    now: handoff.now,
  });
}
