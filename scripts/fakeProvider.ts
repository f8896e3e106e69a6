/**
 * A FAKE Kapso provider for tests and the offline runtime (`npm run local`); not a real
 * service. It accepts what the official `@kapso/whatsapp-cloud-api` client sends (Meta-compatible
 * proxy `/meta/whatsapp/{version}/...`: messages of every type, mark-as-read, media upload, message
 * history, templates CRUD; the same paths without the prefix stand in for Meta's Graph API) plus
 * the Kapso Platform endpoints (customers, setup links, webhook registration), answers like Kapso,
 * posts signed v2 status webhooks (sent, delivered, read) to the registered URL, counts arrivals
 * per second, and injects failures (HTTP errors, Meta codes, timeouts, async failed statuses).
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type WebhookRequest = { url: string; headers: Record<string, string>; body: string };

export type FailureRule = {
  /** Only sends matching all given fields (type is the Cloud API message type). */
  match?: { type?: string; to?: string; phoneNumberId?: string };
  /** How many matching sends it affects (default 1). */
  times?: number;
} & (
  | { kind: "error"; status: number; code?: number; title?: string }
  | { kind: "timeout"; afterAccept: boolean; ms: number }
  | { kind: "asyncFailure"; code: number; title: string }
);

export type SentRequest = {
  at: number;
  phoneNumberId: string;
  body: Record<string, unknown>;
  outcome: "accepted" | "rejected" | "timeout";
  wamid?: string;
};

export type FakeTemplate = {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  parameter_format: string;
  components: unknown[];
  status: string;
};

export type FakeProviderOptions = {
  port?: number;
  /** Delays of the status webhooks after acceptance; `false` posts none. */
  statusDelaysMs?: { sent?: number; delivered?: number; read?: number } | false;
  /** Overrides the secret registered for a number. */
  webhookSecretFor?: (phoneNumberId: string) => string | undefined;
  /** Delivers a webhook instead of POSTing it (tests route it into convex-test's `t.fetch`). */
  deliverWebhook?: (request: WebhookRequest) => Promise<{ status: number }>;
  failures?: FailureRule[];
  /** Review outcome of created templates (default APPROVED, like Kapso's sandbox). */
  templateReview?: "APPROVED" | "PENDING" | "REJECTED";
  /** Whether message history items carry `biz_opaque_callback_data` (default true). */
  historyIncludesCallbackData?: boolean;
  /** A webhook registered from the start (the local runtime's demo number). */
  webhookUrl?: string;
  webhookSecret?: string;
  phoneNumberId?: string;
  phoneNumber?: string;
};

export type FakeProvider = {
  url: string;
  close(): Promise<void>;
  /** Every send request received (accepted or not), in arrival order. */
  sent: SentRequest[];
  /** Messages the customer actually received (accepted sends). */
  accepted: SentRequest[];
  /** Mark-as-read calls. */
  reads: Record<string, unknown>[];
  uploads: { phoneNumberId: string; id: string; bytes: number }[];
  templates: FakeTemplate[];
  webhooksDelivered: { event: string; status: number; body: string }[];
  inject(rule: FailureRule): void;
  setTemplateStatus(name: string, language: string, status: string): void;
  /** Send arrivals per whole second (epoch seconds → count), optionally for one number. */
  arrivalsPerSecond(phoneNumberId?: string): Map<number, number>;
  /** Resolves once no status webhook is waiting to be posted. */
  idle(): Promise<void>;
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

const graphError = (res: ServerResponse, status: number, code: number, title: string) =>
  json(res, status, {
    error: {
      message: `(#${code}) ${title}`,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details: title },
      fbtrace_id: "fake",
    },
  });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const delays =
    options.statusDelaysMs === false
      ? false
      : { sent: 20, delivered: 40, read: 60, ...options.statusDelaysMs };
  const failures: (FailureRule & { left: number })[] = (options.failures ?? []).map((f) => ({
    ...f,
    left: f.times ?? 1,
  }));
  const webhooks = new Map<string, { url: string; secret: string }>();
  /** Registered webhook id → phone number id (for secret rotation). */
  const webhookIds = new Map<string, string>();
  if (options.phoneNumberId && options.webhookUrl && options.webhookSecret) {
    webhooks.set(options.phoneNumberId, { url: options.webhookUrl, secret: options.webhookSecret });
  }
  const sent: SentRequest[] = [];
  const accepted: SentRequest[] = [];
  const reads: Record<string, unknown>[] = [];
  const uploads: FakeProvider["uploads"] = [];
  const templates: FakeTemplate[] = [];
  const webhooksDelivered: FakeProvider["webhooksDelivered"] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inflight = 0;
  let counter = 0;
  const wamid = () =>
    `wamid.FAKE${Date.now().toString(36)}${(++counter).toString(36).toUpperCase()}`;

  function takeFailure(phoneNumberId: string, body: Record<string, unknown>) {
    const rule = failures.find(
      (f) =>
        f.left > 0 &&
        (f.match?.type === undefined || f.match.type === body.type) &&
        (f.match?.to === undefined || f.match.to === body.to) &&
        (f.match?.phoneNumberId === undefined || f.match.phoneNumberId === phoneNumberId),
    );
    if (rule) rule.left--;
    return rule;
  }

  async function postWebhook(phoneNumberId: string, event: string, payload: unknown) {
    const hook = webhooks.get(phoneNumberId);
    const secret = options.webhookSecretFor?.(phoneNumberId) ?? hook?.secret;
    if (!hook || secret === undefined) return;
    const body = JSON.stringify(payload);
    const headers = {
      "content-type": "application/json",
      "x-webhook-event": event,
      "x-webhook-signature": createHmac("sha256", secret).update(body).digest("hex"),
      "x-webhook-payload-version": "v2",
      "x-idempotency-key": randomUUID(),
    };
    let status: number;
    try {
      if (options.deliverWebhook) {
        status = (await options.deliverWebhook({ url: hook.url, headers, body })).status;
      } else {
        status = (await fetch(hook.url, { method: "POST", headers, body })).status;
      }
    } catch {
      status = 0;
    }
    webhooksDelivered.push({ event, status, body });
  }

  function statusWebhook(
    phoneNumberId: string,
    message: SentRequest,
    stages: { status: string; errors?: unknown[] }[],
  ) {
    const body = message.body;
    const type = String(body.type);
    const last = stages[stages.length - 1]!;
    const ts = String(Math.floor(Date.now() / 1000));
    const to = String(body.to ?? body.recipient ?? "");
    return {
      message: {
        id: message.wamid,
        timestamp: ts,
        type,
        ...(body[type] !== undefined ? { [type]: body[type] } : {}),
        to,
        kapso: {
          direction: "outbound",
          status: last.status,
          processing_status: "completed",
          origin: "cloud_api",
          has_media: ["image", "video", "audio", "document"].includes(type),
          statuses: stages.map((s) => ({
            id: message.wamid,
            status: s.status,
            timestamp: ts,
            recipient_id: to.replace(/^\+/, ""),
            ...(body.biz_opaque_callback_data !== undefined
              ? { biz_opaque_callback_data: body.biz_opaque_callback_data }
              : {}),
            ...(s.errors ? { errors: s.errors } : {}),
          })),
        },
      },
      conversation: {
        id: `conv_${to}`,
        phone_number: to,
        status: "active",
        phone_number_id: phoneNumberId,
      },
      is_new_conversation: false,
      phone_number_id: phoneNumberId,
    };
  }

  function later(ms: number, run: () => Promise<void>) {
    inflight++;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void run().finally(() => inflight--);
    }, ms);
    timers.add(timer);
  }

  function scheduleStatuses(
    phoneNumberId: string,
    message: SentRequest,
    asyncFailure?: { code: number; title: string },
  ) {
    if (delays === false) return;
    const stages: { status: string; errors?: unknown[] }[] = [];
    const steps: [number, string][] = asyncFailure
      ? [
          [delays.sent, "sent"],
          [delays.delivered, "failed"],
        ]
      : [
          [delays.sent, "sent"],
          [delays.delivered, "delivered"],
          [delays.read, "read"],
        ];
    // Posted in order, one after the other: each waits for the previous delivery.
    let chain = Promise.resolve();
    for (const [ms, status] of steps) {
      later(ms, async () => {
        const stage =
          status === "failed" && asyncFailure
            ? {
                status,
                errors: [
                  {
                    code: asyncFailure.code,
                    title: asyncFailure.title,
                    message: asyncFailure.title,
                  },
                ],
              }
            : { status };
        chain = chain.then(async () => {
          stages.push(stage);
          await postWebhook(
            phoneNumberId,
            `whatsapp.message.${status}`,
            statusWebhook(phoneNumberId, message, [...stages]),
          );
        });
        await chain;
      });
    }
  }

  async function handleSend(
    res: ServerResponse,
    phoneNumberId: string,
    body: Record<string, unknown>,
    arrivedAt: number,
  ) {
    if (body.status === "read") {
      reads.push(body);
      return json(res, 200, { success: true });
    }
    const request: SentRequest = { at: arrivedAt, phoneNumberId, body, outcome: "rejected" };
    sent.push(request);
    if (
      body.messaging_product !== "whatsapp" ||
      (!body.to && !body.recipient) ||
      typeof body.type !== "string"
    ) {
      return graphError(res, 400, 100, "Invalid parameter");
    }
    if (body.type === "template") {
      const t = body.template as { name?: string; language?: { code?: string } } | undefined;
      const stored = templates.find((x) => x.name === t?.name && x.language === t?.language?.code);
      if (!stored)
        return graphError(res, 404, 132001, "Template name does not exist in the translation");
      if (stored.status === "PAUSED") return graphError(res, 400, 132015, "Template is paused");
      if (stored.status !== "APPROVED")
        return graphError(res, 400, 132001, "Template not approved");
    }
    const rule = takeFailure(phoneNumberId, body);
    if (rule?.kind === "error") {
      return graphError(
        res,
        rule.status,
        rule.code ?? (rule.status >= 500 ? 131000 : 100),
        rule.title ?? "Injected failure",
      );
    }
    if (rule?.kind === "timeout" && !rule.afterAccept) {
      request.outcome = "timeout";
      await new Promise((r) => setTimeout(r, rule.ms));
      return graphError(res, 504, 131000, "Timed out");
    }
    request.outcome = "accepted";
    request.wamid = wamid();
    accepted.push(request);
    scheduleStatuses(phoneNumberId, request, rule?.kind === "asyncFailure" ? rule : undefined);
    if (rule?.kind === "timeout") await new Promise((r) => setTimeout(r, rule.ms));
    const to = String(body.to ?? body.recipient);
    return json(res, 200, {
      messaging_product: "whatsapp",
      contacts: [{ input: to, wa_id: to.replace(/\D/g, "") }],
      messages: [
        { id: request.wamid, ...(body.type === "template" ? { message_status: "accepted" } : {}) },
      ],
    });
  }

  function handleHistory(res: ServerResponse, phoneNumberId: string, query: URLSearchParams) {
    const since = query.get("since") ? Date.parse(query.get("since")!) : 0;
    const data = accepted
      .filter((m) => m.phoneNumberId === phoneNumberId && m.at >= since)
      .map((m) => {
        const type = String(m.body.type);
        return {
          id: m.wamid,
          type,
          timestamp: String(Math.floor(m.at / 1000)),
          to: String(m.body.to ?? ""),
          [type]: m.body[type],
          ...(options.historyIncludesCallbackData !== false &&
          m.body.biz_opaque_callback_data !== undefined
            ? { biz_opaque_callback_data: m.body.biz_opaque_callback_data }
            : {}),
          kapso: { direction: "outbound", status: "sent" },
        };
      });
    return json(res, 200, { data, paging: { cursors: {} } });
  }

  async function handleTemplates(
    req: IncomingMessage,
    res: ServerResponse,
    wabaId: string,
    rest: string[],
    query: URLSearchParams,
  ) {
    if (req.method === "GET" && rest.length === 0) {
      return json(res, 200, {
        data: templates.filter((t) => t.wabaId === wabaId).map(({ wabaId: _w, ...t }) => t),
        paging: { cursors: {} },
      });
    }
    if (req.method === "GET") {
      const t = templates.find((x) => x.id === rest[0] && x.wabaId === wabaId);
      return t ? json(res, 200, t) : graphError(res, 404, 100, "Template not found");
    }
    if (req.method === "POST") {
      const body = JSON.parse((await readBody(req)).toString("utf8")) as Record<string, unknown>;
      if (typeof body.name !== "string" || !Array.isArray(body.components)) {
        return graphError(res, 400, 100, "Invalid parameter");
      }
      if (
        templates.some(
          (t) => t.wabaId === wabaId && t.name === body.name && t.language === body.language,
        )
      ) {
        return graphError(res, 400, 100, "Template already exists");
      }
      const template: FakeTemplate = {
        id: `tpl_${++counter}`,
        wabaId,
        name: body.name,
        language: String(body.language),
        category: String(body.category),
        parameter_format: String(body.parameter_format ?? "POSITIONAL"),
        components: body.components,
        status: options.templateReview ?? "APPROVED",
      };
      templates.push(template);
      return json(res, 200, {
        id: template.id,
        status: template.status,
        category: template.category,
      });
    }
    if (req.method === "DELETE") {
      const name = query.get("name");
      const language = query.get("language");
      const before = templates.length;
      for (let i = templates.length - 1; i >= 0; i--) {
        const t = templates[i]!;
        if (t.wabaId === wabaId && t.name === name && (!language || t.language === language))
          templates.splice(i, 1);
      }
      return templates.length < before
        ? json(res, 200, { success: true })
        : graphError(res, 404, 100, "Template not found");
    }
    return graphError(res, 405, 100, "Unsupported method");
  }

  async function handlePlatform(req: IncomingMessage, res: ServerResponse, parts: string[]) {
    const body =
      req.method === "POST" || req.method === "PATCH"
        ? (JSON.parse((await readBody(req)).toString("utf8") || "{}") as Record<
            string,
            Record<string, unknown>
          >)
        : {};
    if (parts[0] === "customers" && parts.length === 1) {
      return json(res, 201, { data: { id: `cust_${++counter}`, ...body.customer } });
    }
    if (parts[0] === "customers" && parts[2] === "setup_links") {
      const id = `link_${++counter}`;
      return json(res, 201, { data: { id, url: `${server.url}/setup/${id}` } });
    }
    if (parts[0] === "whatsapp" && parts[1] === "phone_numbers" && parts[3] === "webhooks") {
      const hook = body.whatsapp_webhook ?? {};
      const id = `wh_${++counter}`;
      webhooks.set(parts[2]!, { url: String(hook.url), secret: String(hook.secret_key) });
      webhookIds.set(id, parts[2]!);
      return json(res, 201, { data: { id, url: hook.url } });
    }
    if (parts[0] === "whatsapp" && parts[1] === "webhooks" && req.method === "PATCH") {
      const phoneNumberId = webhookIds.get(parts[2] ?? "");
      const current = phoneNumberId === undefined ? undefined : webhooks.get(phoneNumberId);
      if (phoneNumberId === undefined || current === undefined) {
        return json(res, 404, { error: "No such webhook in the fake provider" });
      }
      const secret = body.whatsapp_webhook?.secret_key;
      if (typeof secret === "string") webhooks.set(phoneNumberId, { ...current, secret });
      return json(res, 200, { data: { id: parts[2] } });
    }
    return json(res, 404, { error: "Not found in the fake provider" });
  }

  const httpServer = createServer((req, res) => {
    void (async () => {
      const arrivedAt = Date.now();
      const url = new URL(req.url ?? "/", "http://fake");
      let parts = url.pathname.split("/").filter(Boolean);
      if (parts[0] === "platform" && parts[1] === "v1")
        return handlePlatform(req, res, parts.slice(2));
      if (parts[0] === "meta" && parts[1] === "whatsapp") parts = parts.slice(2);
      // Graph paths: /{version}/{id}/{resource}/...
      const [, id, resource, ...rest] = parts;
      if (!id || !resource) return graphError(res, 404, 100, "Unknown path");
      if (resource === "messages" && req.method === "POST") {
        const body = JSON.parse((await readBody(req)).toString("utf8")) as Record<string, unknown>;
        return handleSend(res, id, body, arrivedAt);
      }
      if (resource === "messages" && req.method === "GET")
        return handleHistory(res, id, url.searchParams);
      if (resource === "media" && req.method === "POST") {
        const bytes = (await readBody(req)).length;
        const mediaId = `media_${++counter}`;
        uploads.push({ phoneNumberId: id, id: mediaId, bytes });
        return json(res, 200, { id: mediaId });
      }
      if (resource === "message_templates")
        return handleTemplates(req, res, id, rest, url.searchParams);
      return graphError(res, 404, 100, "Unknown path");
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(error), code: 1 } });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (httpServer.address() as AddressInfo).port;

  const server: FakeProvider = {
    url: `http://127.0.0.1:${port}`,
    sent,
    accepted,
    reads,
    uploads,
    templates,
    webhooksDelivered,
    inject(rule) {
      failures.push({ ...rule, left: rule.times ?? 1 });
    },
    setTemplateStatus(name, language, status) {
      for (const t of templates) if (t.name === name && t.language === language) t.status = status;
    },
    arrivalsPerSecond(phoneNumberId) {
      const counts = new Map<number, number>();
      for (const s of sent) {
        if (phoneNumberId !== undefined && s.phoneNumberId !== phoneNumberId) continue;
        const second = Math.floor(s.at / 1000);
        counts.set(second, (counts.get(second) ?? 0) + 1);
      }
      return counts;
    },
    async idle() {
      while (inflight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
  return server;
}
