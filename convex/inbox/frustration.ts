/**
 * The deterministic frustration signal: a customer message with one of the tenant's frustration
 * words, a word of a built-in profanity list (English, Spanish, Portuguese), a run of question
 * marks ("???", "?!!") or a shouted, all-capitals message. Pure functions: the turn checks the
 * customer's messages with them before any model call (agents/turnSignals.ts).
 */
import type { FrustrationSettings, HandoffSignal, ProfanityLanguage } from "../lib/validators";
import { matchEscalationKeyword } from "./handoff";

/** What a tenant gets when it switches the signal on without choosing. */
export const DEFAULT_FRUSTRATION: FrustrationSettings = {
  enabled: false,
  keywords: [],
  profanityLanguages: ["en", "es", "pt"],
  allCaps: true,
  punctuation: true,
};

/** Small built-in lists; matched as whole words, case- and accent-insensitively. */
export const PROFANITY: Record<ProfanityLanguage, readonly string[]> = {
  en: [
    "fuck",
    "fucking",
    "fuckin",
    "fucked",
    "shit",
    "shitty",
    "bullshit",
    "crap",
    "crappy",
    "damn",
    "wtf",
    "asshole",
    "bastard",
    "bitch",
    "pissed off",
  ],
  es: [
    "mierda",
    "joder",
    "jodido",
    "carajo",
    "puta",
    "puto",
    "coño",
    "cabrón",
    "pendejo",
    "chingada",
    "hostia",
    "maldita sea",
  ],
  pt: [
    "merda",
    "porra",
    "caralho",
    "foda",
    "foda-se",
    "vai se foder",
    "puta que pariu",
    "bosta",
    "cacete",
  ],
};

/** A shouted message has at least this many cased letters, this share of them capitals. */
const CAPS_MIN_LETTERS = 10;
const CAPS_MIN_SHARE = 0.8;
/** A run of this many `?`/`!` (with a `?` among them) reads as exasperation. */
const PUNCTUATION_RUN = 3;

export type FrustrationSignal = Extract<
  HandoffSignal,
  "frustration_keyword" | "profanity" | "all_caps" | "punctuation"
>;
export type FrustrationMatch = { signal: FrustrationSignal; detail: string };

/** Whether the text is shouted: enough cased letters, nearly all capitals, two words or more. */
export function isAllCaps(text: string): boolean {
  const cased = [...text].filter((ch) => ch.toLowerCase() !== ch.toUpperCase());
  if (cased.length < CAPS_MIN_LETTERS) return false;
  const words = text.split(/\s+/).filter((w) => /\p{L}{2,}/u.test(w));
  if (words.length < 2) return false;
  const capitals = cased.filter((ch) => ch === ch.toUpperCase()).length;
  return capitals / cased.length >= CAPS_MIN_SHARE;
}

/** The first run of `?`/`!` (and their Spanish and full-width forms) that contains a question mark. */
export function exasperatedPunctuation(text: string): string | null {
  const runs = text.match(new RegExp(`[?!¿¡？！]{${PUNCTUATION_RUN},}`, "g")) ?? [];
  return runs.find((run) => /[?¿？]/.test(run)) ?? null;
}

/** The first frustration signal in `text` under the tenant's settings, or null. */
export function detectFrustration(
  text: string,
  settings: FrustrationSettings,
): FrustrationMatch | null {
  if (!settings.enabled) return null;
  const keyword = matchEscalationKeyword(text, settings.keywords);
  if (keyword !== null) return { signal: "frustration_keyword", detail: keyword };
  for (const language of settings.profanityLanguages) {
    const word = matchEscalationKeyword(text, [...PROFANITY[language]]);
    if (word !== null) return { signal: "profanity", detail: `${word} (${language})` };
  }
  if (settings.punctuation) {
    const run = exasperatedPunctuation(text);
    if (run !== null) return { signal: "punctuation", detail: run };
  }
  if (settings.allCaps && isAllCaps(text)) {
    return { signal: "all_caps", detail: text.trim().slice(0, 120) };
  }
  return null;
}

/** How each signal is named in a handoff summary. */
export const FRUSTRATION_SIGNAL_TEXT: Record<FrustrationSignal, string> = {
  frustration_keyword: "a frustration keyword",
  profanity: "profanity",
  all_caps: "a message in capitals",
  punctuation: "repeated question marks",
};
