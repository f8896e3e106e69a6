/**
 * Whole-word matching of a tenant's words in a customer's message, in any language: case,
 * accents and punctuation do not matter. Used by escalation keywords (handoff.ts) and the
 * frustration signal (frustration.ts).
 */

/** Lowercase, without accents, spaces collapsed: "Atendente  HUMANO" ~ "atendente humano". */
export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** The first escalation keyword the text contains as whole words, or null. */
export function matchEscalationKeyword(text: string, keywords: string[]): string | null {
  const haystack = ` ${normalizeForMatch(text).replace(/[^\p{L}\p{N} ]/gu, " ")} `.replace(
    /\s+/g,
    " ",
  );
  for (const keyword of keywords) {
    const needle = normalizeForMatch(keyword)
      .replace(/[^\p{L}\p{N} ]/gu, " ")
      .trim();
    if (needle !== "" && haystack.includes(` ${needle} `)) return keyword;
  }
  return null;
}
