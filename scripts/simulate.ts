/**
 * The customer simulator: `npm run simulate -- --to <business number> "Hi, my order hasn't
 * arrived"` sends a signed Kapso v2 `whatsapp.message.received` delivery to the runtime's
 * webhook, exactly as the provider would, then follows the thread and prints the conversation
 * as it unfolds (replies and their delivery ticks) until a reply is read or time runs out.
 */
import type { FunctionReturnType } from "convex/server";
import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { Environment } from "../convex/lib/validators";
import { connect } from "./cli/client";
import { httpCaller, type Caller, type Env } from "./cli/core";
import { demoNumber, loadDotEnv, localUrls } from "./local/config";

export type Inbound = {
  from: string;
  name: string;
  text: string;
  phoneNumberId: string;
  messageId?: string;
  now?: number;
};

/** The body Kapso posts for one inbound text (payload version v2; the event is a header). */
export function kapsoInboundBody(m: Inbound): string {
  const id = m.messageId ?? `wamid.SIM${randomUUID().replace(/-/g, "").toUpperCase()}`;
  const now = m.now ?? Date.now();
  const iso = new Date(now).toISOString();
  return JSON.stringify({
    message: {
      id,
      timestamp: String(Math.floor(now / 1000)),
      type: "text",
      from: m.from.replace(/^\+/, ""),
      text: { body: m.text },
      kapso: {
        direction: "inbound",
        status: "received",
        processing_status: "pending",
        origin: "cloud_api",
        has_media: false,
        content: m.text,
      },
    },
    conversation: {
      id: `conv_${m.from.replace(/\D/g, "")}`,
      phone_number: m.from,
      status: "active",
      last_active_at: iso,
      created_at: iso,
      updated_at: iso,
      metadata: {},
      phone_number_id: m.phoneNumberId,
      kapso: {
        contact_name: m.name,
        messages_count: 1,
        last_message_id: id,
        last_message_type: "text",
        last_message_timestamp: iso,
        last_message_text: m.text,
        last_inbound_at: iso,
        last_outbound_at: null,
      },
    },
    is_new_conversation: false,
    phone_number_id: m.phoneNumberId,
  });
}

/** Posts a signed delivery (hex HMAC-SHA256 of the raw body) to the messages webhook. */
export async function postInbound(siteUrl: string, secret: string, body: string) {
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return fetch(`${siteUrl.replace(/\/+$/, "")}/webhook/kapso/messages`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Webhook-Event": "whatsapp.message.received",
      "X-Webhook-Signature": signature,
      "X-Webhook-Payload-Version": "v2",
      "X-Idempotency-Key": randomUUID(),
    },
    body,
  });
}

type Message = FunctionReturnType<typeof api.inbox.threads.messages>["page"][number];

const TICKS: Record<string, string> = {
  queued: "🕓 queued",
  sending: "🕓 sending",
  sent: "✓ sent",
  delivered: "✓✓ delivered",
  read: "✓✓ read",
  played: "✓✓ played",
  failed: "✗ failed",
};

type WatchOptions = {
  environment: Environment;
  customer: string;
  since: number;
  until: "read" | "reply";
  timeoutMs: number;
  pollMs?: number;
  print: (line: string) => void;
};

/** The customer's thread (matched on the phone number's digits), or null before it exists. */
async function findThread(call: Caller, env: Env, customer: string) {
  const digits = customer.replace(/\D/g, "");
  const threads = await call.query(api.inbox.threads.list, {
    ...env,
    paginationOpts: { numItems: 50, cursor: null },
  });
  const thread = threads.page.find(
    (t) => (t.channelParams.phoneNumber ?? "").replace(/\D/g, "") === digits,
  );
  return thread?._id ?? null;
}

/** Prints one message the first time it is seen, then each change of its delivery status. */
function report(m: Message, seen: Map<string, string>, print: (line: string) => void) {
  const outbound = m.channelData.direction === "outbound";
  const state = outbound ? m.channelData.status : "in";
  const before = seen.get(m._id);
  if (before === state) return;
  seen.set(m._id, state);
  if (before === undefined) {
    const who = outbound ? (m.role === "human" ? "Human" : "Agent") : "Customer";
    print(`${who.padEnd(8)} │ ${m.content}` + (outbound ? `   ${TICKS[state] ?? state}` : ""));
  } else {
    const error = m.channelData.error;
    print(
      `         │   ${TICKS[state] ?? state}` +
        (error ? ` (${error.code ?? ""} ${error.title ?? ""})` : ""),
    );
  }
}

/**
 * Follows the customer's thread, printing each new message and each status change, until an
 * outbound reply reaches `until` (`read` by default, or `reply`), or `timeoutMs` passes.
 */
export async function watchConversation(
  call: Caller,
  opts: WatchOptions,
): Promise<{ replied: boolean; read: boolean; threadId: Id<"threads"> | null }> {
  const env = { environment: opts.environment };
  const deadline = Date.now() + opts.timeoutMs;
  const seen = new Map<string, string>();
  let threadId: Id<"threads"> | null = null;
  let replied = false;
  let read = false;
  while (Date.now() < deadline) {
    threadId ??= await findThread(call, env, opts.customer);
    if (threadId !== null) {
      const page = await call.query(api.inbox.threads.messages, {
        ...env,
        threadId,
        paginationOpts: { numItems: 50, cursor: null },
      });
      for (const m of [...page.page].reverse()) {
        if (m.createdAt < opts.since - 1000) continue;
        report(m, seen, opts.print);
        if (m.channelData.direction === "outbound" && m.role !== "user") {
          replied = true;
          if (["read", "played"].includes(m.channelData.status)) read = true;
        }
      }
    }
    if (replied && (opts.until === "reply" || read)) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 400));
  }
  return { replied, read, threadId };
}

const USAGE =
  'Usage: npm run simulate -- [--to <business number>] [--from <customer>] [--name <name>] [--phone-number-id <id> --secret <secret>] [--until read|reply] [--timeout <seconds>] [--env development|production] "message"';

function parseCommandLine(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        to: { type: "string" },
        from: { type: "string", default: "+15551234567" },
        name: { type: "string", default: "Sam Customer" },
        "phone-number-id": { type: "string" },
        secret: { type: "string" },
        until: { type: "string", default: "read" },
        timeout: { type: "string", default: "30" },
        env: { type: "string", default: "development" },
        help: { type: "boolean", short: "h" },
      },
    });
    return { values, text: positionals.join(" ").trim() };
  } catch (error) {
    return exit(2, `${(error as Error).message}\n${USAGE}`);
  }
}

function exit(code: number, message: string): never {
  console.error(message);
  process.exit(code);
}

/** The business number to write to, with its provider id and webhook secret (the demo's by default). */
function target(values: ReturnType<typeof parseCommandLine>["values"]) {
  const demo = demoNumber();
  const to = values.to ?? demo.phoneNumber;
  const isDemo = to.replace(/\D/g, "") === demo.phoneNumber.replace(/\D/g, "");
  const phoneNumberId =
    values["phone-number-id"] ?? (isDemo ? demo.providerPhoneNumberId : undefined);
  const secret = values.secret ?? (isDemo ? demo.webhookSecret : undefined);
  if (!phoneNumberId || !secret) {
    exit(
      2,
      `${to} is not the demo number: pass --phone-number-id and --secret (its webhook secret).`,
    );
  }
  return { to, phoneNumberId, secret };
}

async function main() {
  loadDotEnv();
  const { values, text } = parseCommandLine(process.argv.slice(2));
  if (values.help === true || !text) exit(values.help === true ? 0 : 2, USAGE);
  const environment = values.env;
  if (environment !== "development" && environment !== "production") {
    exit(2, `--env must be development or production\n${USAGE}`);
  }
  const { to, phoneNumberId, secret } = target(values);
  const from = values.from;
  const since = Date.now();
  const body = kapsoInboundBody({ from, name: values.name, text, phoneNumberId });
  const response = await postInbound(localUrls().siteUrl, secret, body);
  console.log(`→ ${from} to ${to}: delivery answered ${response.status}`);
  if (!response.ok) exit(1, await response.text());
  const result = await watchConversation(httpCaller(await connect()), {
    environment,
    customer: from,
    since,
    until: values.until === "reply" ? "reply" : "read",
    timeoutMs: Number(values.timeout) * 1000,
    print: (line) => console.log(line),
  });
  if (!result.replied) {
    console.log(
      "No reply yet (is an agent or router assigned? see `npm run cli -- whatsapp status`).",
    );
    process.exit(1);
  }
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
