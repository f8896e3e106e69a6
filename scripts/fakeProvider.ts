/**
 * A FAKE Kapso provider for tests and the offline runtime (`npm run local`); not a real
 * service. It accepts what the official `@kapso/whatsapp-cloud-api` client sends (Meta-compatible
 * proxy `/meta/whatsapp/{version}/...`: messages of every type, mark-as-read, media upload, message
 * history, templates CRUD; the same paths without the prefix stand in for Meta's Graph API) plus
 * the Kapso Platform endpoints (customers, setup links, webhook registration), answers like Kapso,
 * posts signed v2 status webhooks (sent, delivered, read) to the registered URL, counts arrivals
 * per second, and injects failures (HTTP errors, Meta codes, timeouts, async failed statuses).
 * The parts live in scripts/fakeProvider/ (state, routes per API area, webhook delivery).
 */
export { startFakeProvider } from "./fakeProvider/server";
export { spokenOgg } from "./fakeProvider/media";
export type {
  FailureRule,
  FakeProvider,
  FakeProviderOptions,
  FakeTemplate,
  SentRequest,
  TemplateChange,
  WebhookRequest,
} from "./fakeProvider/types";
