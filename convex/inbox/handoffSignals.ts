/**
 * The tenant's handoff signals as admins set them: the deterministic frustration signal
 * (frustration.ts, checked before any model call) and the escalation contact told on WhatsApp
 * when a thread needs a person (escalation.ts). Stored with the other handoff settings.
 */
import { v } from "convex/values";
import { orgAdminMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";
import { stripUndefined } from "../lib/objects";
import {
  vEscalationContact,
  vFrustrationSettings,
  vProfanityLanguage,
  type EscalationContact,
  type FrustrationSettings,
} from "../lib/validators";
import { normalizeCustomerPhone } from "../whatsapp/phone";
import { getIntegration, setHandoffSettings } from "../whatsapp/integration";
import { DEFAULT_FRUSTRATION } from "./frustration";
import { DEFAULT_HANDOFF_SETTINGS, handoffSettings } from "./handoff";

const MAX_FRUSTRATION_KEYWORDS = 200;
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;

const vSignals = v.object({
  frustration: vFrustrationSettings,
  escalationContact: v.optional(vEscalationContact),
});

/** The frustration signal and escalation contact of this tenant and environment. */
export const get = orgQuery({
  args: {},
  returns: vSignals,
  handler: async (ctx) => {
    const settings = await handoffSettings(ctx, ctx.tenant);
    return {
      frustration: settings.frustration ?? DEFAULT_FRUSTRATION,
      ...(settings.escalationContact ? { escalationContact: settings.escalationContact } : {}),
    };
  },
});

function checkedFrustration(
  current: FrustrationSettings,
  change: Partial<FrustrationSettings>,
): FrustrationSettings {
  const next = { ...current, ...change };
  next.keywords = next.keywords.map((k) => k.trim()).filter((k) => k !== "");
  if (
    next.keywords.length > MAX_FRUSTRATION_KEYWORDS ||
    next.keywords.some((k) => k.length > 100)
  ) {
    throw appError(
      "INVALID_ARGUMENT",
      `At most ${MAX_FRUSTRATION_KEYWORDS} frustration keywords of up to 100 characters.`,
    );
  }
  next.profanityLanguages = [...new Set(next.profanityLanguages)];
  return next;
}

function checkedContact(input: EscalationContact): EscalationContact {
  const phoneNumber = normalizeCustomerPhone(input.phoneNumber);
  if (phoneNumber === undefined) {
    throw appError(
      "INVALID_ARGUMENT",
      `"${input.phoneNumber}" is not a phone number (E.164, e.g. +5511999990000).`,
    );
  }
  const name = input.name?.trim();
  if (name !== undefined && name.length > 100) {
    throw appError("INVALID_ARGUMENT", "The escalation contact's name is at most 100 characters.");
  }
  const template = input.template;
  if (
    template !== undefined &&
    (!TEMPLATE_NAME.test(template.name) || !LANGUAGE.test(template.language))
  ) {
    throw appError(
      "INVALID_ARGUMENT",
      "The escalation template needs a template name (lowercase, digits, _) and a language code such as en_US.",
    );
  }
  return { phoneNumber, ...(name ? { name } : {}), ...(template ? { template } : {}) };
}

/**
 * Changes the frustration signal (omitted fields unchanged) and sets or, with `null`, removes
 * the escalation contact.
 */
export const update = orgAdminMutation({
  args: {
    frustration: v.optional(
      v.object({
        enabled: v.optional(v.boolean()),
        keywords: v.optional(v.array(v.string())),
        profanityLanguages: v.optional(v.array(vProfanityLanguage)),
        allCaps: v.optional(v.boolean()),
        punctuation: v.optional(v.boolean()),
      }),
    ),
    escalationContact: v.optional(v.union(vEscalationContact, v.null())),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const config = await getIntegration(ctx, ctx.tenant);
    if (config === null) {
      throw appError("WHATSAPP_NOT_ENABLED", "Enable WhatsApp in this environment first.");
    }
    const next = { ...(config.handoff ?? DEFAULT_HANDOFF_SETTINGS) };
    if (args.frustration !== undefined) {
      next.frustration = checkedFrustration(
        next.frustration ?? DEFAULT_FRUSTRATION,
        stripUndefined(args.frustration),
      );
    }
    if (args.escalationContact !== undefined) {
      next.escalationContact =
        args.escalationContact === null ? undefined : checkedContact(args.escalationContact);
    }
    await setHandoffSettings(ctx, config, next);
    return null;
  },
});
