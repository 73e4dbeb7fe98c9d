// The scheduled sends' strings (issue 55) and the streamed replies' (issue 54) travel with their
// chunks (widget/src/later/, widget/src/streams/), not in i18n/locales/: every shipped locale has every key of the English table, translated (not the
// English left in), with the same placeholders; and the widget's language picks them ("pt-PT"
// reads pt-BR, an unshipped one English, a host's override wins). No browser.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EN, setLocale } from "../src/i18n/i18n.js";
import { LOCALES } from "../src/i18n/language.js";
import { SCHEDULED_EN, SCHEDULED_LOCALES } from "../src/later/parley-scheduled.strings.js";
import { SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES } from "../src/later/parley-schedule-menu.strings.js";
import { stringsIn } from "../src/later/scheduling.js";
import { STREAM_EN, STREAM_LOCALES } from "../src/streams/stream-card.strings.js";
import { AI_TOOLS_EN, AI_TOOLS_LOCALES } from "../src/streams/parley-ai-tools.strings.js";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [name, en, locales] of [
  ["scheduled list", SCHEDULED_EN, SCHEDULED_LOCALES],
  ["schedule menu", SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES],
  ["streamed replies", STREAM_EN, STREAM_LOCALES],
  ["summaries and auto-translate", AI_TOOLS_EN, AI_TOOLS_LOCALES],
] as const) {
  test(`the ${name}'s strings: every shipped locale, every key, translated, same placeholders`, () => {
    assert.deepEqual(Object.keys(locales).sort(), Object.keys(LOCALES).sort(), "the fifteen translations the widget ships, no more");
    for (const [code, table] of Object.entries(locales)) {
      assert.deepEqual(Object.keys(table).sort(), Object.keys(en).sort(), `${code}: the same keys`);
      for (const [key, english] of Object.entries(en)) {
        const s = (table as Record<string, string>)[key]!;
        assert.ok(s.trim(), `${code}.${key} is empty`);
        assert.deepEqual(placeholders(s), placeholders(english), `${code}.${key}: placeholders`);
        // (Short words may be the same in a language: "Edit" is "Editar" in two; a whole sentence is not.)
        if (english.length > 12) assert.notEqual(s, english, `${code}.${key} is still English`);
      }
    }
  });
}

test("the widget's language picks the translation; a host's override wins", () => {
  try {
    setLocale("pt-PT");
    assert.equal(stringsIn(SCHEDULED_EN, SCHEDULED_LOCALES, EN).scheduleMessage, "Agendar envio");
    setLocale("de-AT");
    assert.equal(stringsIn(SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES, EN).scheduleTomorrow, "Morgen früh");
    setLocale("sv");
    assert.equal(stringsIn(SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES, EN).scheduleTomorrow, "Tomorrow morning");
    setLocale("de");
    assert.equal(stringsIn(SCHEDULED_EN, SCHEDULED_LOCALES, { ...EN, scheduleMessage: "Später senden" } as typeof EN).scheduleMessage, "Später senden");
  } finally {
    setLocale("en");
  }
});
