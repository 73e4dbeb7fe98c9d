// The shipped translations (widget/src/i18n/locales/): every locale has every key of every view's
// English table, no key of its own, the same placeholders, and exactly the plural forms its
// language has (Intl.PluralRules); and the language is chosen as documented (pickLocale).
// No browser: the tables are plain modules (*.strings.ts), which is also why i18n.ts imports no view.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EN } from "../src/i18n/i18n.js";
import { LOCALES, isRtl, pickLocale } from "../src/i18n/language.js";
import { LAUNCHER_NAMES, launcherLabel } from "../src/i18n/launcher-name.js";
import { EXTRAS_EN, FAILED_EN } from "../src/message/message-extras.strings.js";
import { DATA_EN } from "../src/data/parley-data.strings.js";
import { INFO_EN } from "../src/info/parley-info.strings.js";
import { INVITATIONS_EN } from "../src/invitations/parley-invitations.strings.js";
import { MENTION_EN } from "../src/mention/parley-mention.strings.js";
import { MODERATE_EN } from "../src/moderate/parley-moderate.strings.js";
import { PEOPLE_EN } from "../src/people/parley-people.strings.js";
import { REPLIES_EN } from "../src/replies/parley-replies.strings.js";
import { SEARCH_EN } from "../src/search/parley-search.strings.js";
import { SIGNIN_EN } from "../src/signin/parley-signin.strings.js";
import { EMOJI_EN } from "../src/emoji/parley-emoji.strings.js";
import { POLL_EN } from "../src/polls/poll-card.strings.js";
import { POLL_FORM_EN } from "../src/polls/parley-poll-form.strings.js";
import { PINS_EN } from "../src/pins/parley-pins.strings.js";
import { PREVIEW_EN } from "../src/previews/preview-card.strings.js";
import { TOOLS_EN } from "../src/tools/parley-tools.strings.js";
import { VOICE_EN } from "../src/voice/voice.strings.js";
import { VOICE_RECORDER_EN } from "../src/voice/parley-voice-recorder.strings.js";
import { CALLS_EN } from "../src/calls/parley-call.strings.js";

const ALL: Record<string, string> = {
  ...EN,
  ...INFO_EN,
  ...PEOPLE_EN,
  ...SEARCH_EN,
  ...EXTRAS_EN,
  ...FAILED_EN,
  ...DATA_EN,
  ...MODERATE_EN,
  ...REPLIES_EN,
  ...MENTION_EN,
  ...INVITATIONS_EN,
  ...SIGNIN_EN,
  ...EMOJI_EN,
  ...TOOLS_EN,
  ...POLL_EN,
  ...POLL_FORM_EN,
  ...PINS_EN,
  ...PREVIEW_EN,
  ...VOICE_EN,
  ...VOICE_RECORDER_EN,
  ...CALLS_EN,
};
const PLURAL = /^(replies|mentions|votes)_(zero|one|two|few|many|other)$/;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/i18n/locales");

/** Whether a plural category of `code` is used by exactly one integer (Arabic "two", English "one"): it may spell the number out. */
function singleNumber(code: string, category: string): boolean {
  const rules = new Intl.PluralRules(code);
  let n = 0;
  for (let i = 0; i <= 1000; i++) if (rules.select(i) === category) n++;
  return n === 1;
}

describe("locales", () => {
  test("at least fifteen are shipped, among them the right-to-left ones and the major scripts, each a file of its own", () => {
    const codes = Object.keys(LOCALES);
    assert.ok(codes.length >= 15, `${codes.length} locales`);
    for (const c of ["ar", "he", "ja", "zh-CN", "ko", "hi", "ru", "de", "fr", "es", "pt-BR"]) assert.ok(codes.includes(c), `ships ${c}`);
    assert.deepEqual(
      readdirSync(dir)
        .map((f) => f.replace(/\.ts$/, ""))
        .sort(),
      [...codes].sort(),
      "every file in locales/ is offered, and every one offered exists",
    );
    assert.deepEqual(
      codes.filter((c) => isRtl(c)),
      ["ar", "he"],
    );
  });

  for (const code of Object.keys(LOCALES)) {
    test(`${code}: every key, no other, the same placeholders, its language's plural forms`, async () => {
      const t = (await LOCALES[code]!()).default;
      const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
      const expected = [
        ...Object.keys(ALL).filter((k) => !PLURAL.test(k)),
        ...["replies", "mentions", "votes"].flatMap((base) => categories.map((c) => `${base}_${c}`)),
      ].sort();
      assert.deepEqual(Object.keys(t).sort(), expected);
      for (const [k, v] of Object.entries(t)) {
        assert.equal(typeof v, "string", k);
        assert.ok(v.trim().length > 0, `${code}.${k} is empty`);
        const plural = PLURAL.exec(k);
        if (plural) {
          const want = singleNumber(code, plural[2]!) ? [[], ["count"]] : [["count"]];
          assert.ok(
            want.some((w) => JSON.stringify(w) === JSON.stringify(placeholders(v))),
            `${code}.${k} "${v}" has ${placeholders(v)}; wants {count}`,
          );
        } else assert.deepEqual(placeholders(v), placeholders(ALL[k]!), `${code}.${k} "${v}" vs "${ALL[k]}"`);
      }
    });
  }

  test("English plural forms match its rules too (one, other)", () => {
    assert.deepEqual(new Intl.PluralRules("en").resolvedOptions().pluralCategories.sort(), ["one", "other"]);
    for (const k of ["replies_one", "replies_other", "mentions_one", "mentions_other", "votes_one", "votes_other"]) assert.ok(k in ALL, k);
  });

  test("the language: the first wanted tag Parley ships, else its language, else English; the tag is kept for Intl", () => {
    assert.deepEqual(pickLocale(["de-AT"]), { code: "de", tag: "de-AT" });
    assert.deepEqual(pickLocale(["pt-PT"]), { code: "pt-BR", tag: "pt-PT" });
    assert.deepEqual(pickLocale(["pt-br"]), { code: "pt-BR", tag: "pt-br" });
    assert.deepEqual(pickLocale(["zh"]), { code: "zh-CN", tag: "zh" });
    assert.deepEqual(pickLocale([null, "", "sv", "ar-EG", "fr"]), { code: "ar", tag: "ar-EG" });
    assert.deepEqual(pickLocale(["en-GB", "de"]), { code: "en", tag: "en-GB" });
    assert.deepEqual(pickLocale(["sv", "fi"]), { code: "en", tag: "en" });
    assert.deepEqual(pickLocale([]), { code: "en", tag: "en" });
  });
});

test("the loader's launcher is named in each language from the first paint, as the UI names it (issue 52)", async () => {
  // The loader's copy of each table's openChat and unreadLabel: the same words, in every language.
  assert.deepEqual(Object.keys(LAUNCHER_NAMES).sort(), ["en", ...Object.keys(LOCALES)].sort());
  assert.deepEqual(LAUNCHER_NAMES["en"], [EN.openChat, EN.unreadLabel]);
  for (const [code, load] of Object.entries(LOCALES)) {
    const table = (await load()).default;
    assert.deepEqual(LAUNCHER_NAMES[code], [table["openChat"], table["unreadLabel"]], code);
  }
  // Chosen as the UI chooses: the element's lang, the page's, the browser's; a tag, then its language.
  assert.equal(launcherLabel([undefined, "de-AT", "en-US"], 0), "Chat öffnen");
  assert.equal(launcherLabel(["pt-PT"], 3), "Abrir chat, 3 não lidas");
  assert.equal(launcherLabel(["xx", "ar"], 2), "فتح الدردشة، 2 غير مقروءة");
  assert.equal(launcherLabel(["en-GB", "de"], 0), "Open chat");
  assert.equal(launcherLabel([undefined, ""], 1), "Open chat, 1 unread");
});
