/**
 * CLI commands about when a thread goes to a person: the tenant's handoff settings (escalation
 * keywords, acknowledgement, auto-release, hooks) and its handoff signals (the deterministic
 * frustration signal and the escalation contact told on WhatsApp).
 */
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import {
  vProfanityLanguage,
  type EscalationContact,
  type ProfanityLanguage,
} from "../../convex/lib/validators";
import {
  CliError,
  defined,
  defineCommand,
  listOption,
  numberOption,
  ON_OFF,
  onOff,
  type Values,
} from "./core";

type Signals = FunctionReturnType<typeof api.inbox.handoffSignals.get>;
type Settings = FunctionReturnType<typeof api.inbox.handoff.getSettings>;

const PROFANITY_LANGUAGES = vProfanityLanguage.members.map((m) => m.value);
const list = (items: string[]) => (items.length > 0 ? items.join(", ") : "-");
const onOffText = (on: boolean) => (on ? "on" : "off");

function signalsText(s: Signals): string {
  const f = s.frustration;
  const contact = s.escalationContact;
  return [
    `Frustration signal: ${onOffText(f.enabled)}`,
    `  words: ${list(f.keywords)}`,
    `  profanity lists: ${list(f.profanityLanguages)}`,
    `  all caps: ${onOffText(f.allCaps)}, "???": ${onOffText(f.punctuation)}`,
    contact === undefined
      ? "Escalation contact: none"
      : `Escalation contact: ${contact.phoneNumber}${contact.name ? ` (${contact.name})` : ""}`,
    ...(contact?.template
      ? [`  template: ${contact.template.name} (${contact.template.language})`]
      : []),
  ].join("\n");
}

const handoffSignals = defineCommand({
  name: ["handoff", "signals"],
  summary: "Shows the frustration signal and the escalation contact of the environment.",
  options: {},
  run: ({ call, env }) => call.query(api.inbox.handoffSignals.get, env),
  human: signalsText,
});

const str = (value: string, help: string) => ({ type: "string", value, help }) as const;
const onOffOption = (help: string) =>
  ({ type: "string", value: "on|off", help, choices: ON_OFF }) as const;

const signalOptions = {
  frustration: onOffOption("The deterministic frustration signal (checked before the model)."),
  "frustration-words": str("<a,b>", 'The tenant\'s own frustration words ("" for none).'),
  profanity: str("<en,es,pt>", 'Built-in profanity lists to apply ("" for none).'),
  "all-caps": onOffOption("A shouted message (mostly capitals) counts as frustration."),
  punctuation: onOffOption('Three or more "?"/"!" in a row count as frustration.'),
  "escalation-phone": str("<+E.164>", "The person told on WhatsApp when a thread needs one."),
  "escalation-name": str("<text>", 'Their name ("" removes it).'),
  "escalation-template": str("<name>", 'Approved template used outside their window ("" none).'),
  "escalation-template-language": str("<code>", "The template's language, e.g. en_US."),
  "no-escalation": { type: "boolean", help: "Remove the escalation contact." },
} as const;
type SignalValues = Values<typeof signalOptions>;

function profanityLanguages(value: string): ProfanityLanguage[] {
  const names = listOption(value);
  const unknown = names.filter((n) => !(PROFANITY_LANGUAGES as string[]).includes(n));
  if (unknown.length > 0) {
    throw new CliError(
      "USAGE",
      `--profanity: no list for ${unknown.join(", ")} (lists: ${PROFANITY_LANGUAGES.join(", ")}).`,
    );
  }
  return names as ProfanityLanguage[];
}

function frustrationChange(v: SignalValues) {
  const change = defined({
    enabled: onOff(v.frustration),
    keywords: v["frustration-words"] === undefined ? undefined : listOption(v["frustration-words"]),
    profanityLanguages: v.profanity === undefined ? undefined : profanityLanguages(v.profanity),
    allCaps: onOff(v["all-caps"]),
    punctuation: onOff(v.punctuation),
  });
  return Object.keys(change).length > 0 ? change : undefined;
}

/** The template the contact gets outside their window: the one given, kept, or none. */
function escalationTemplate(v: SignalValues, current: EscalationContact["template"]) {
  const name = v["escalation-template"];
  const language = v["escalation-template-language"];
  if (name === "") return undefined;
  if (name === undefined && language === undefined) return current;
  const templateName = name ?? current?.name;
  if (templateName === undefined) {
    throw new CliError("USAGE", "--escalation-template-language needs --escalation-template.");
  }
  const templateLanguage = language ?? current?.language;
  if (templateLanguage === undefined) {
    throw new CliError(
      "USAGE",
      "--escalation-template needs --escalation-template-language <code>, e.g. en_US.",
    );
  }
  return { name: templateName, language: templateLanguage };
}

const ESCALATION_FLAGS = [
  "escalation-phone",
  "escalation-name",
  "escalation-template",
  "escalation-template-language",
] as const;

/** The contact to store: undefined leaves it, null removes it; fields not given are kept. */
function escalationChange(
  v: SignalValues,
  current: EscalationContact | undefined,
): EscalationContact | null | undefined {
  const given = ESCALATION_FLAGS.some((flag) => v[flag] !== undefined);
  if (v["no-escalation"] === true) {
    if (given)
      throw new CliError("USAGE", "--no-escalation cannot be combined with --escalation-*.");
    return null;
  }
  if (!given) return undefined;
  const phoneNumber = v["escalation-phone"] ?? current?.phoneNumber;
  if (phoneNumber === undefined) {
    throw new CliError("USAGE", "No escalation contact yet: pass --escalation-phone <+E.164>.");
  }
  const name = v["escalation-name"] ?? current?.name;
  const template = escalationTemplate(v, current?.template);
  return { phoneNumber, ...(name ? { name } : {}), ...(template ? { template } : {}) };
}

const handoffSignalsSet = defineCommand({
  name: ["handoff", "signals-set"],
  summary: "Changes the frustration signal and the escalation contact; the rest stays.",
  options: signalOptions,
  run: async ({ call, env, values }) => {
    const needsCurrent = ESCALATION_FLAGS.some((flag) => values[flag] !== undefined);
    const current = needsCurrent ? await call.query(api.inbox.handoffSignals.get, env) : undefined;
    const changes = defined({
      frustration: frustrationChange(values),
      escalationContact: escalationChange(values, current?.escalationContact),
    });
    const changed = Object.keys(changes);
    if (changed.length === 0) {
      throw new CliError("USAGE", "Nothing to update: pass at least one option (see --help).");
    }
    await call.mutation(api.inbox.handoffSignals.update, { ...env, ...changes });
    return { changed, signals: await call.query(api.inbox.handoffSignals.get, env) };
  },
  human: (d) => `Handoff signals updated (${d.changed.join(", ")}).\n${signalsText(d.signals)}`,
});

function settingsText(s: Settings): string {
  return [
    `Escalation keywords: ${list(s.escalationKeywords)}`,
    `Acknowledgement: ${s.escalationAcknowledgement ?? "-"}`,
    `Auto-release: ${s.autoReleaseMinutes === undefined ? "off" : `after ${s.autoReleaseMinutes} min without a human reply`}`,
    `Hand off after ${s.maxConsecutiveFallbacks} fallback replies in a row`,
    `Slack hook: ${s.slackConfigured ? "configured" : "-"}`,
    `HTTP hook: ${s.httpHookUrl ?? "-"}`,
    `CRM hook: ${s.crmHookUrl ?? "-"}`,
  ].join("\n");
}

const handoffSettings = defineCommand({
  name: ["handoff", "settings"],
  summary: "Shows the environment's handoff settings (hooks as configured or not).",
  options: {},
  run: ({ call, env }) => call.query(api.inbox.handoff.getSettings, env),
  human: settingsText,
});

const secretHelp = "Its signing secret (kept in shell history: prefer a variable, e.g. $SECRET).";
const settingOptions = {
  keywords: str("<a,b>", 'Escalation keywords that hand a thread to a person ("" for none).'),
  ack: str("<text>", 'Sent to the customer when a keyword hands the thread over ("" none).'),
  "auto-release-minutes": str("<n|off>", "Give a thread back to the AI after this idle time."),
  "max-fallbacks": str("<n>", "Hand off after this many fallback replies in a row."),
  "slack-webhook": str("<url|off>", "Slack incoming webhook told about handoffs."),
  "http-hook": str("<url|off>", "Signed HTTP hook told about handoffs."),
  "http-hook-secret": str("<secret>", secretHelp),
  "crm-hook": str("<url|off>", "Signed CRM hook told about handoffs and leads."),
  "crm-hook-secret": str("<secret>", secretHelp),
} as const;

/** A hook option: undefined leaves it, `off` removes it, a URL needs its secret. */
function hookChange(url: string | undefined, secret: string | undefined, flag: string) {
  if (url === undefined) {
    if (secret !== undefined) throw new CliError("USAGE", `--${flag}-secret needs --${flag}.`);
    return undefined;
  }
  if (url === "off") return null;
  if (!secret) throw new CliError("USAGE", `--${flag} <url> needs --${flag}-secret <secret>.`);
  return { url, secret };
}

function settingChanges(v: Values<typeof settingOptions>) {
  const minutes = v["auto-release-minutes"];
  return defined({
    escalationKeywords: v.keywords === undefined ? undefined : listOption(v.keywords),
    escalationAcknowledgement: v.ack,
    autoReleaseMinutes:
      minutes === undefined
        ? undefined
        : minutes === "off"
          ? null
          : numberOption(minutes, "auto-release-minutes"),
    maxConsecutiveFallbacks:
      v["max-fallbacks"] === undefined
        ? undefined
        : numberOption(v["max-fallbacks"], "max-fallbacks", true),
    slackWebhookUrl: v["slack-webhook"] === "off" ? null : v["slack-webhook"],
    httpHook: hookChange(v["http-hook"], v["http-hook-secret"], "http-hook"),
    crmHook: hookChange(v["crm-hook"], v["crm-hook-secret"], "crm-hook"),
  });
}

const handoffSettingsSet = defineCommand({
  name: ["handoff", "settings-set"],
  summary: "Changes the environment's handoff settings; options not given stay as they are.",
  options: settingOptions,
  run: async ({ call, env, values }) => {
    const changes = settingChanges(values);
    const changed = Object.keys(changes);
    if (changed.length === 0) {
      throw new CliError("USAGE", "Nothing to update: pass at least one option (see --help).");
    }
    await call.mutation(api.inbox.handoff.updateSettings, { ...env, ...changes });
    return { changed, settings: await call.query(api.inbox.handoff.getSettings, env) };
  },
  human: (d) => `Handoff settings updated (${d.changed.join(", ")}).\n${settingsText(d.settings)}`,
});

export const HANDOFF_COMMANDS = [
  handoffSettings,
  handoffSettingsSet,
  handoffSignals,
  handoffSignalsSet,
];
