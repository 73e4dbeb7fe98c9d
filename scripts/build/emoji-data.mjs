// The emoji picker's dataset (widget/src/emoji/), one ES module per shipped locale, made at build
// time from emojibase-data (en, de, es, fr, hi, it, ja, ko, nl, pl, pt for pt-BR, ru, zh for zh-CN)
// and from CLDR's annotations (cldr-annotations-full and cldr-annotations-derived-full) for the
// three emojibase lacks: ar, he, tr. An emoji CLDR does not name there keeps its English name.
//
// The picker imports `virtual:parley-emoji/<code>`; the rollup plugin below resolves it to
// widget/src/emoji/data/emoji-<code>.js (no such file: its text is made here), so the widget's
// build writes it as a content-hashed chunk, emoji-<code>-<hash>.js, that the server serves like
// the UI's other chunks (immutable), and a visitor fetches only their language's, only once the
// picker opens.
//
// A module is `export default JSON.parse("…")` (V8 parses JSON faster than an array literal): an
// array of rows in the order emoji are shown, each [emoji, group, name, keywords] with the
// keywords joined by "|" (those already in the name left out), and for an emoji that takes skin
// tones, a fifth item: its five variants with one tone throughout, light to dark. Groups are
// emojibase's (0 smileys and emotion … 9 flags); its components (2) and lone regional indicators
// are left out, and so are emoji newer than Emoji 15.0 (most systems draw them as boxes yet).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "widget/package.json"));

/** The widget's locales and where each one's names come from. */
export const EMOJI_SOURCES = {
  en: { emojibase: "en" },
  ar: { cldr: "ar" },
  de: { emojibase: "de" },
  es: { emojibase: "es" },
  fr: { emojibase: "fr" },
  he: { cldr: "he" },
  hi: { emojibase: "hi" },
  it: { emojibase: "it" },
  ja: { emojibase: "ja" },
  ko: { emojibase: "ko" },
  nl: { emojibase: "nl" },
  pl: { emojibase: "pl" },
  "pt-BR": { emojibase: "pt" },
  ru: { emojibase: "ru" },
  tr: { cldr: "tr" },
  "zh-CN": { emojibase: "zh" },
};

/** The newest Emoji version offered. */
const MAX_VERSION = 15;
const TONES = ["1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"];

const json = (id) => JSON.parse(readFileSync(require.resolve(id), "utf8"));

/** English: the skeleton every locale shares (which emoji, their order, group and skin variants). */
let shared;
function skeleton() {
  return (shared ??= readSkeleton());
}
function readSkeleton() {
  const versions = new Map(json("emojibase-data/en/data.json").map((e) => [e.hexcode, e.version]));
  return json("emojibase-data/en/compact.json")
    .filter((e) => e.group !== undefined && e.group !== 2 && (versions.get(e.hexcode) ?? 0) <= MAX_VERSION)
    .sort((a, b) => a.order - b.order)
    .map((e) => {
      // The variants with one tone throughout (two people holding hands: both light, …).
      const skins = e.skins
        ? TONES.map((tone) => e.skins.find((s) => s.hexcode.split("-").every((cp) => !TONES.includes(cp) || cp === tone))?.unicode)
        : undefined;
      return { hexcode: e.hexcode, unicode: e.unicode, group: e.group, label: e.label, tags: e.tags ?? [], skins: skins?.every(Boolean) ? skins : undefined };
    });
}

/** A locale's names and keywords by emoji: hexcode -> { label, tags }. */
function names(code, base) {
  const src = EMOJI_SOURCES[code];
  if (src.emojibase) return new Map(json(`emojibase-data/${src.emojibase}/compact.json`).map((e) => [e.hexcode, { label: e.label, tags: e.tags ?? [] }]));
  const plain = json(`cldr-annotations-full/annotations/${src.cldr}/annotations.json`).annotations.annotations;
  const derived = json(`cldr-annotations-derived-full/annotationsDerived/${src.cldr}/annotations.json`).annotationsDerived.annotations;
  const out = new Map();
  for (const e of base) {
    // CLDR writes most emoji without their variation selector (❤ for ❤️).
    const a = plain[e.unicode] ?? derived[e.unicode] ?? plain[e.unicode.replace(/\uFE0F/g, "")] ?? derived[e.unicode.replace(/\uFE0F/g, "")];
    if (a?.tts?.[0]) out.set(e.hexcode, { label: a.tts[0], tags: a.default ?? [] });
  }
  return out;
}

/** The module's text for locale `code`, and how many emoji fell back to their English name. */
export function emojiModule(code) {
  const base = skeleton();
  const local = code === "en" ? null : names(code, base);
  let english = 0;
  const rows = base.map((e) => {
    const n = local ? local.get(e.hexcode) : e;
    if (!n) english++;
    const label = (n ?? e).label;
    const lower = label.toLocaleLowerCase();
    const tags = [...new Set((n ?? e).tags.map((t) => t.toLocaleLowerCase()))].filter((t) => !lower.includes(t));
    const row = [e.unicode, e.group, label, tags.join("|")];
    if (e.skins) row.push(e.skins);
    return row;
  });
  return { code: `export default JSON.parse(${JSON.stringify(JSON.stringify(rows))});\n`, count: rows.length, english };
}

const ID = /^virtual:parley-emoji\/([\w-]+)$/;
const FILE = /[\\/]widget[\\/]src[\\/]emoji[\\/]data[\\/]emoji-([\w-]+)\.js$/;

/** Rollup plugin: `virtual:parley-emoji/<code>` is the dataset of locale `code` (a chunk of its own). */
export function emojiData() {
  return {
    name: "emoji-data",
    resolveId(id) {
      const m = ID.exec(id);
      if (!m) return null;
      if (!(m[1] in EMOJI_SOURCES)) this.error(`no emoji dataset for ${m[1]}`);
      return path.join(root, `widget/src/emoji/data/emoji-${m[1]}.js`);
    },
    load(id) {
      const m = FILE.exec(id);
      return m ? { code: emojiModule(m[1]).code, map: { mappings: "" } } : null;
    },
  };
}

// `node scripts/build/emoji-data.mjs`: each locale's size, and how many names fell back to English.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { brotliCompressSync } = await import("node:zlib");
  for (const code of Object.keys(EMOJI_SOURCES)) {
    const m = emojiModule(code);
    const br = brotliCompressSync(Buffer.from(m.code)).length;
    console.log(`${code}: ${m.count} emoji, ${(m.code.length / 1024).toFixed(0)} KB, ${(br / 1024).toFixed(1)} KB br, ${m.english} in English`);
  }
}
