// The translations and how one is chosen: a chunk of its own, fetched only when the visitor's
// language is not English (parley-chat.ts, pickLanguage), so that the UI every visitor loads
// carries neither the table of chunks nor the matching.

/**
 * The translations shipped besides English, each a chunk of its own fetched only when chosen
 * (never in the UI every visitor loads).
 */
export const LOCALES: Record<string, () => Promise<{ default: Record<string, string> }>> = {
  ar: () => import("./locales/ar.js"),
  de: () => import("./locales/de.js"),
  es: () => import("./locales/es.js"),
  fr: () => import("./locales/fr.js"),
  he: () => import("./locales/he.js"),
  hi: () => import("./locales/hi.js"),
  it: () => import("./locales/it.js"),
  ja: () => import("./locales/ja.js"),
  ko: () => import("./locales/ko.js"),
  nl: () => import("./locales/nl.js"),
  pl: () => import("./locales/pl.js"),
  "pt-BR": () => import("./locales/pt-BR.js"),
  ru: () => import("./locales/ru.js"),
  tr: () => import("./locales/tr.js"),
  "zh-CN": () => import("./locales/zh-CN.js"),
};

/**
 * The translation for the first tag of `wanted` that Parley ships (the tag itself, else its
 * language: "pt-PT" reads pt-BR, "de-AT" de), else English; and the tag it answered, which Intl
 * formats for (en-GB dates, de-AT numbers).
 */
export function pickLocale(wanted: Array<string | null | undefined>): { code: string; tag: string } {
  for (const tag of wanted) {
    const lang = tag?.split("-")[0]?.toLowerCase();
    if (!tag || !lang) continue;
    const code =
      lang === "en"
        ? "en"
        : (Object.keys(LOCALES).find((c) => c.toLowerCase() === tag.toLowerCase()) ?? Object.keys(LOCALES).find((c) => c.split("-")[0] === lang));
    if (code) return { code, tag };
  }
  return { code: "en", tag: "en" };
}

/** Whether a locale is written right to left. */
export const isRtl = (code: string): boolean => /^(ar|he|fa|ur)\b/.test(code);

/** The translation for `wanted` (pickLocale): the tag Intl formats for, the writing direction, the strings ({} for English). */
export async function load(wanted: Array<string | null | undefined>): Promise<{ tag: string; dir: "ltr" | "rtl"; strings: Record<string, string> }> {
  const { code, tag } = pickLocale(wanted);
  return { tag, dir: isRtl(code) ? "rtl" : "ltr", strings: code === "en" ? {} : (await LOCALES[code]!()).default };
}
