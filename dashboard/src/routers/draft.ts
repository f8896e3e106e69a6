/**
 * The router editor's working copy: name, slug, mode, ordered rules (first match wins), the
 * classifier's instructions and choices, and the required fallback agent.
 */
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { RouterMatch, RouterMode, RouterRule } from "../../../convex/lib/validators";

export type RouterView = FunctionReturnType<typeof api.agents.routers.get>;

/** A rule being edited: its agent may not be chosen yet. */
export type RuleDraft = { match: RouterMatch; agentId: Id<"agents"> | null };

export type RouterDraft = {
  name: string;
  slug: string;
  mode: RouterMode;
  rules: RuleDraft[];
  classifierPrompt: string;
  classifierAgentIds: Id<"agents">[];
  fallbackAgentId: Id<"agents"> | null;
};

export const NEW_ROUTER: RouterDraft = {
  name: "",
  slug: "",
  mode: "rules",
  rules: [],
  classifierPrompt: "",
  classifierAgentIds: [],
  fallbackAgentId: null,
};

export const MATCH_KINDS: { value: RouterMatch["kind"]; label: string }[] = [
  { value: "keyword", label: "Keyword" },
  { value: "regex", label: "Regular expression" },
  { value: "interactiveReplyId", label: "Button or list reply id" },
  { value: "messageType", label: "Message type" },
  { value: "contactAttribute", label: "Contact attribute" },
];

export function emptyMatch(kind: RouterMatch["kind"]): RouterMatch {
  switch (kind) {
    case "keyword":
      return { kind, keywords: [] };
    case "regex":
      return { kind, pattern: "" };
    case "interactiveReplyId":
      return { kind, ids: [] };
    case "messageType":
      return { kind, types: [] };
    case "contactAttribute":
      return { kind, key: "", equals: "" };
  }
}

export function draftFromRouter(r: RouterView): RouterDraft {
  return {
    name: r.name,
    slug: r.slug,
    mode: r.mode,
    rules: r.rules,
    classifierPrompt: r.classifierPrompt ?? "",
    classifierAgentIds: r.classifierAgentIds,
    fallbackAgentId: r.fallbackAgentId,
  };
}

/** Rules ready to send: those without an agent are left out (the editor flags them). */
export function completeRules(rules: RuleDraft[]): RouterRule[] {
  return rules.flatMap((r) => (r.agentId ? [{ match: r.match, agentId: r.agentId }] : []));
}

type CreateArgs = Omit<FunctionArgs<typeof api.agents.routers.create>, "environment">;

export function routerArgs(d: RouterDraft): CreateArgs {
  return {
    name: d.name,
    slug: d.slug,
    mode: d.mode,
    rules: completeRules(d.rules),
    classifierPrompt: d.classifierPrompt,
    classifierAgentIds: d.classifierAgentIds,
    ...(d.fallbackAgentId ? { fallbackAgentId: d.fallbackAgentId } : {}),
  };
}

/** Moves the rule at `from` to `to` (drag and drop, or the up/down buttons). */
export function moveRule<T>(rules: T[], from: number, to: number): T[] {
  if (to < 0 || to >= rules.length || from === to) return rules;
  const next = [...rules];
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved!);
  return next;
}
