/**
 * The customer simulator: `npm run simulate -- --to <business number> "Hi, my order hasn't
 * arrived"` sends a signed Kapso v2 `whatsapp.message.received` delivery to the runtime's
 * webhook, exactly as the provider would, then follows the thread and prints the conversation
 * as it unfolds (replies and their delivery ticks) until a reply is read or time runs out.
 */
import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import { connect } from "./cli/client";
import { httpCaller, parseArgs, type Caller } from "./cli/commands";
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

type Thread = { _id: string; channelParams: { phoneNumber?: string }; connectionId: string };
type Message = {
  _id: string;
  role: string;
  content: string;
  createdAt: number;
  channelData: { direction: string; status: string; error?: { title?: string; code?: number } };
};

const TICKS: Record<string, string> = {
  queued: "🕓 queued",
  sending: "🕓 sending",
  sent: "✓ sent",
  delivered: "✓✓ delivered",
  read: "✓✓ read",
  played: "✓✓ played",
  failed: "✗ failed",
};

/**
 * Follows the customer's thread, printing each new message and each status change, until an
 * outbound reply reaches `until` (`read` by default, or `reply`), or `timeoutMs` passes.
 */
export async function watchConversation(
  call: Caller,
  opts: {
    environment: string;
    customer: string;
    since: number;
    until: "read" | "reply";
    timeoutMs: number;
    pollMs?: number;
    print: (line: string) => void;
  },
): Promise<{ replied: boolean; read: boolean; threadId: string | null }> {
  const env = { environment: opts.environment };
  const deadline = Date.now() + opts.timeoutMs;
  const seen = new Map<string, string>();
  let threadId: string | null = null;
  let replied = false;
  let read = false;
  const digits = opts.customer.replace(/\D/g, "");
  while (Date.now() < deadline) {
    if (threadId === null) {
      const threads = (await call.query("inbox/threads:list", {
        ...env,
        paginationOpts: { numItems: 50, cursor: null },
      })) as { page: Thread[] };
      threadId =
        threads.page.find((t) => (t.channelParams.phoneNumber ?? "").replace(/\D/g, "") === digits)
          ?._id ?? null;
    }
    if (threadId !== null) {
      const page = (await call.query("inbox/threads:messages", {
        ...env,
        threadId,
        paginationOpts: { numItems: 50, cursor: null },
      })) as { page: Message[] };
      for (const m of [...page.page].reverse()) {
        if (m.createdAt < opts.since - 1000) continue;
        const outbound = m.channelData.direction === "outbound";
        const state = outbound ? m.channelData.status : "in";
        const before = seen.get(m._id);
        if (before === state) continue;
        seen.set(m._id, state);
        if (before === undefined) {
          const who = outbound ? (m.role === "human" ? "Human" : "Agent") : "Customer";
          opts.print(
            `${who.padEnd(8)} │ ${m.content}` + (outbound ? `   ${TICKS[state] ?? state}` : ""),
          );
        } else {
          const error = m.channelData.error;
          opts.print(
            `         │   ${TICKS[state] ?? state}` +
              (error ? ` (${error.code ?? ""} ${error.title ?? ""})` : ""),
          );
        }
        if (outbound && m.role !== "user") {
          replied = true;
          if (state === "read" || state === "played") read = true;
        }
      }
    }
    if (replied && (opts.until === "reply" || read)) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 400));
  }
  return { replied, read, threadId };
}

async function main() {
  loadDotEnv();
  const { words, flags } = parseArgs(process.argv.slice(2));
  const demo = demoNumber();
  const to = typeof flags.to === "string" ? flags.to : demo.phoneNumber;
  const text = words.join(" ").trim();
  if (!text) {
    console.error(
      'Usage: npm run simulate -- --to <business number> [--from <customer>] "message"',
    );
    process.exit(2);
  }
  const isDemo = to.replace(/\D/g, "") === demo.phoneNumber.replace(/\D/g, "");
  const phoneNumberId =
    typeof flags["phone-number-id"] === "string"
      ? flags["phone-number-id"]
      : isDemo
        ? demo.providerPhoneNumberId
        : undefined;
  const secret =
    typeof flags.secret === "string" ? flags.secret : isDemo ? demo.webhookSecret : undefined;
  if (!phoneNumberId || !secret) {
    console.error(
      `${to} is not the demo number: pass --phone-number-id and --secret (its webhook secret).`,
    );
    process.exit(2);
  }
  const from = typeof flags.from === "string" ? flags.from : "+15551234567";
  const name = typeof flags.name === "string" ? flags.name : "Sam Customer";
  const since = Date.now();
  const body = kapsoInboundBody({ from, name, text, phoneNumberId });
  const response = await postInbound(localUrls().siteUrl, secret, body);
  console.log(`→ ${from} to ${to}: delivery answered ${response.status}`);
  if (!response.ok) {
    console.error(await response.text());
    process.exit(1);
  }
  const client = await connect();
  const result = await watchConversation(httpCaller(client), {
    environment: typeof flags.env === "string" ? flags.env : "development",
    customer: from,
    since,
    until: flags.until === "reply" ? "reply" : "read",
    timeoutMs: Number(flags.timeout ?? 30) * 1000,
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
