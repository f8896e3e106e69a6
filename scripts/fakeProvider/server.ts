/**
 * The fake provider's HTTP server: routes each request to the Platform, message or template
 * handlers, and exposes what it recorded (plus failure injection) as a `FakeProvider`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { graphError, json, readJson } from "./http";
import { handleHistory, handleMedia, handleSend } from "./messages";
import { handleMediaDownload, handleMediaMetadata } from "./media";
import { handlePhoneNumber } from "./phoneNumbers";
import { handlePlatform } from "./platform";
import { createState, nextId, pending, type ProviderState } from "./state";
import { handleTemplates } from "./templates";
import type { FakeProvider, FakeProviderOptions, TemplateChange } from "./types";
import { postWebhook, statusPayload } from "./webhooks";

/** Graph paths, with or without Kapso's `/meta/whatsapp` prefix: `/{version}/{id}/{resource}/...`. */
async function route(state: ProviderState, req: IncomingMessage, res: ServerResponse) {
  const arrivedAt = Date.now();
  const url = new URL(req.url ?? "/", "http://fake");
  let parts = url.pathname.split("/").filter(Boolean);
  if (parts[0] === "platform" && parts[1] === "v1") {
    return handlePlatform(state, req, res, parts.slice(2));
  }
  if (req.method === "GET" && handleMediaDownload(state, req, res, url)) return;
  const viaKapso = parts[0] === "meta" && parts[1] === "whatsapp";
  if (viaKapso) parts = parts.slice(2);
  const [, id, resource, ...rest] = parts;
  if (id && !resource && req.method === "GET" && state.media.has(id)) {
    return handleMediaMetadata(state, req, res, id, viaKapso);
  }
  if (id && !resource && req.method === "GET") return handlePhoneNumber(state, req, res, id);
  if (!id || !resource) return graphError(res, 404, 100, "Unknown path");
  if (resource === "messages" && req.method === "POST") {
    return handleSend(state, res, id, await readJson(req), arrivedAt);
  }
  if (resource === "messages" && req.method === "GET") {
    return handleHistory(state, res, id, url.searchParams);
  }
  if (resource === "media" && req.method === "POST") return handleMedia(state, req, res, id);
  if (resource === "message_templates") {
    return handleTemplates(state, req, res, id, rest, url.searchParams);
  }
  return graphError(res, 404, 100, "Unknown path");
}

/** Changes a template the way Meta's review, quality rating or recategorisation would. */
function changeTemplate(
  state: ProviderState,
  name: string,
  language: string,
  change: TemplateChange,
) {
  for (const t of state.templates) {
    if (t.name !== name || t.language !== language) continue;
    if (change.status !== undefined) t.status = change.status;
    if (change.quality !== undefined) {
      t.quality_score = { score: change.quality, date: Math.floor(Date.now() / 1000) };
    }
    if (change.category !== undefined && change.category !== t.category) {
      t.previous_category = t.category;
      t.category = change.category;
    }
  }
}

/** Send arrivals per whole second (epoch seconds → count), optionally for one number. */
function arrivalsPerSecond(state: ProviderState, phoneNumberId?: string) {
  const counts = new Map<number, number>();
  for (const s of state.sent) {
    if (phoneNumberId !== undefined && s.phoneNumberId !== phoneNumberId) continue;
    const second = Math.floor(s.at / 1000);
    counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  return counts;
}

/** What tests and the local runtime see of a running fake provider. */
function facade(state: ProviderState, httpServer: Server): FakeProvider {
  return {
    url: state.url,
    sent: state.sent,
    accepted: state.accepted,
    reads: state.reads,
    uploads: state.uploads,
    templates: state.templates,
    webhooksDelivered: state.webhooksDelivered,
    inject: (rule) => {
      state.failures.push(pending(rule));
    },
    setTemplateStatus: (name, language, status) =>
      changeTemplate(state, name, language, { status }),
    changeTemplate: (name, language, change) => changeTemplate(state, name, language, change),
    addTemplate: (template) => {
      const added = { ...template, id: nextId(state, "tpl") };
      state.templates.push(added);
      return added;
    },
    templateLists: state.templateLists,
    failTemplateLists: (times, status = 500, code = 131000) => {
      for (let i = 0; i < times; i++) state.templateListFailures.push({ status, code });
    },
    holdTemplateSends: (on) => {
      state.holdTemplates = on;
    },
    dropHeld: async () => {
      const errors = [{ code: 132015, title: "Template is paused", message: "Template is paused" }];
      for (const { phoneNumberId, request } of state.held.splice(0)) {
        const payload = statusPayload(phoneNumberId, request, [{ status: "failed", errors }]);
        await postWebhook(state, phoneNumberId, "whatsapp.message.failed", payload);
      }
    },
    arrivalsPerSecond: (phoneNumberId) => arrivalsPerSecond(state, phoneNumberId),
    addMedia: (id, media) => {
      state.media.set(id, media);
    },
    mediaDownloads: state.mediaDownloads,
    idle: async () => {
      while (state.inflight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    close: async () => {
      for (const timer of state.timers) clearTimeout(timer);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const state = createState(options);
  const httpServer = createServer((req, res) => {
    route(state, req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(error), code: 1 } });
    });
  });
  // Idle connections are closed by the client, never by us: closing one just as the client
  // reuses it resets a request already sent (ECONNRESET), which on a busy machine would turn
  // ordinary sends into ambiguous ones.
  httpServer.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return facade(state, httpServer);
}
