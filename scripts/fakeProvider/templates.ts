/**
 * The fake provider's template routes (`/{version}/{wabaId}/message_templates`): list (cursor
 * paging, name filter, injected failures), get, create (reviewed at once with the configured
 * outcome) and delete by name.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, json, readJson } from "./http";
import { nextId, type ProviderState } from "./state";
import type { FakeTemplate } from "./types";

/** The wire shape of a stored template (no `wabaId`; quality only once it has one). */
function wire({ wabaId: _w, ...t }: FakeTemplate) {
  return t;
}

/**
 * `GET .../message_templates`: Meta's cursor paging (`limit` default 20, max 100; `after`;
 * `paging.next` while more remain, or only the cursors when `templatePaging` is
 * "cursorsOnly"), `name` as a substring filter, and the list failures tests inject.
 */
function listTemplates(
  state: ProviderState,
  res: ServerResponse,
  wabaId: string,
  query: URLSearchParams,
) {
  const limit = Math.min(100, Number(query.get("limit") ?? 20) || 20);
  const after = query.get("after") ?? undefined;
  const name = query.get("name") ?? undefined;
  state.templateLists.push({ wabaId, limit, after, name });
  const failure = state.templateListFailures.shift();
  if (failure) return graphError(res, failure.status, failure.code, "Injected list failure");
  const all = state.templates.filter(
    (t) => t.wabaId === wabaId && (name === undefined || t.name.includes(name)),
  );
  const start = after === undefined ? 0 : Number(after.replace(/^cursor_/, ""));
  if (!Number.isInteger(start) || start < 0) return graphError(res, 400, 100, "Invalid cursor");
  const page = all.slice(start, start + limit);
  const end = start + page.length;
  const cursors = { before: `cursor_${start}`, after: `cursor_${end}` };
  const more = end < all.length;
  const next = `${state.url}/v24.0/${wabaId}/message_templates?limit=${limit}&after=cursor_${end}`;
  const paging =
    state.options.templatePaging === "cursorsOnly"
      ? { cursors }
      : { cursors, ...(more ? { next } : {}) };
  return json(res, 200, { data: page.map(wire), paging });
}

function getTemplate(state: ProviderState, res: ServerResponse, wabaId: string, id?: string) {
  const t = state.templates.find((x) => x.id === id && x.wabaId === wabaId);
  return t ? json(res, 200, wire(t)) : graphError(res, 404, 100, "Template not found");
}

async function createTemplate(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  wabaId: string,
) {
  const body = await readJson(req);
  if (typeof body.name !== "string" || !Array.isArray(body.components)) {
    return graphError(res, 400, 100, "Invalid parameter");
  }
  const exists = state.templates.some(
    (t) => t.wabaId === wabaId && t.name === body.name && t.language === body.language,
  );
  if (exists) return graphError(res, 400, 100, "Template already exists");
  const template: FakeTemplate = {
    id: nextId(state, "tpl"),
    wabaId,
    name: body.name,
    language: String(body.language),
    category: String(body.category),
    parameter_format: String(body.parameter_format ?? "POSITIONAL"),
    components: body.components as unknown[],
    status: state.options.templateReview ?? "APPROVED",
  };
  state.templates.push(template);
  return json(res, 200, { id: template.id, status: template.status, category: template.category });
}

/** Deletes every language of `name`, or only `language` when given. */
function deleteTemplate(
  state: ProviderState,
  res: ServerResponse,
  wabaId: string,
  query: URLSearchParams,
) {
  const name = query.get("name");
  const language = query.get("language");
  const templates = state.templates;
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

export async function handleTemplates(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  wabaId: string,
  rest: string[],
  query: URLSearchParams,
) {
  if (req.method === "GET" && rest.length === 0) return listTemplates(state, res, wabaId, query);
  if (req.method === "GET") return getTemplate(state, res, wabaId, rest[0]);
  if (req.method === "POST") return createTemplate(state, req, res, wabaId);
  if (req.method === "DELETE") return deleteTemplate(state, res, wabaId, query);
  return graphError(res, 405, 100, "Unsupported method");
}
