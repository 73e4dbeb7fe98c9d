import { EN, useStrings, type ConsoleStrings } from "./strings.js";

/**
 * The console's translations besides English, each a chunk of its own fetched only when chosen;
 * the same fifteen languages as the widget's, each named in itself for the language menu.
 */
export const LOCALES: Record<string, { name: string; load: () => Promise<{ default: ConsoleStrings }> }> = {
  ar: { name: "العربية", load: () => import("./locales/ar.js") },
  de: { name: "Deutsch", load: () => import("./locales/de.js") },
  es: { name: "Español", load: () => import("./locales/es.js") },
  fr: { name: "Français", load: () => import("./locales/fr.js") },
  he: { name: "עברית", load: () => import("./locales/he.js") },
  hi: { name: "हिन्दी", load: () => import("./locales/hi.js") },
  it: { name: "Italiano", load: () => import("./locales/it.js") },
  ja: { name: "日本語", load: () => import("./locales/ja.js") },
  ko: { name: "한국어", load: () => import("./locales/ko.js") },
  nl: { name: "Nederlands", load: () => import("./locales/nl.js") },
  pl: { name: "Polski", load: () => import("./locales/pl.js") },
  "pt-BR": { name: "Português (Brasil)", load: () => import("./locales/pt-BR.js") },
  ru: { name: "Русский", load: () => import("./locales/ru.js") },
  tr: { name: "Türkçe", load: () => import("./locales/tr.js") },
  "zh-CN": { name: "简体中文", load: () => import("./locales/zh-CN.js") },
};

/** The language menu's choices: English first, then the rest by code. */
export const LANGUAGES: { code: string; name: string }[] = [
  { code: "en", name: "English" },
  ...Object.entries(LOCALES).map(([code, l]) => ({ code, name: l.name })),
];

/** Where a language chosen from the menu is kept (else the browser's languages decide). */
export const LANG_KEY = "parley-console:lang";

/**
 * The translation for the first tag of `wanted` the console ships (the tag itself, else its
 * language: "pt-PT" reads pt-BR, "de-AT" de), else English; and the tag it answered, which dates
 * and numbers are formatted for (en-GB dates, de-AT numbers).
 */
export function pickLocale(wanted: readonly (string | null | undefined)[]): { code: string; tag: string } {
  const codes = Object.keys(LOCALES);
  for (const given of wanted) {
    // A tag Intl refuses (it would throw at every date) is skipped.
    let tag: string | undefined;
    try {
      tag = given ? Intl.getCanonicalLocales(given)[0] : undefined;
    } catch {
      continue;
    }
    const lang = tag?.split("-")[0]?.toLowerCase();
    if (!tag || !lang) continue;
    if (lang === "en") return { code: "en", tag };
    const code = codes.find((c) => c.toLowerCase() === tag.toLowerCase()) ?? codes.find((c) => c.split("-")[0] === lang);
    if (code) return { code, tag };
  }
  return { code: "en", tag: "en" };
}

/** Whether a language is written right to left. */
export const isRtl = (code: string): boolean => /^(ar|he|fa|ur)\b/.test(code);

/**
 * Loads and puts in use the translation for the menu's choice, else the browser's languages,
 * and sets the document's language and direction; English when a chunk cannot be fetched.
 */
export async function applyLocale(wanted: readonly (string | null | undefined)[]): Promise<{ code: string; tag: string }> {
  let { code, tag } = pickLocale(wanted);
  let table: ConsoleStrings = EN;
  if (code !== "en") {
    try {
      table = (await LOCALES[code]!.load()).default;
    } catch {
      [code, tag] = ["en", "en"];
    }
  }
  useStrings(table, tag);
  document.documentElement.lang = tag;
  document.documentElement.dir = isRtl(code) ? "rtl" : "ltr";
  return { code, tag };
}
