// The reminders' strings (issue 55) carry their own translations (reminders/*.strings.ts, not
// i18n/locales/): every language the widget ships has each table, with every key, nothing empty,
// and the same placeholders as the English. No browser: the tables are plain modules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LOCALES } from "../src/i18n/language.js";
import { DUE_EN, DUE_LOCALES } from "../src/reminders/parley-reminder-due.strings.js";
import { REMIND_EN, REMIND_LOCALES } from "../src/reminders/parley-remind.strings.js";
import { REMINDERS_EN, REMINDERS_LOCALES } from "../src/reminders/parley-reminders.strings.js";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const TABLES: [string, Record<string, string>, Record<string, Record<string, string>>][] = [
  ["REMIND", REMIND_EN, REMIND_LOCALES],
  ["REMINDERS", REMINDERS_EN, REMINDERS_LOCALES],
  ["DUE", DUE_EN, DUE_LOCALES],
];

for (const [name, en, locales] of TABLES) {
  test(`${name}: every shipped language, every key, the same placeholders`, () => {
    assert.deepEqual(Object.keys(locales).sort(), Object.keys(LOCALES).sort(), "the languages of i18n/locales/, no other");
    for (const [code, t] of Object.entries(locales)) {
      assert.deepEqual(Object.keys(t).sort(), Object.keys(en).sort(), code);
      for (const [k, v] of Object.entries(t)) {
        assert.ok(v.trim().length > 0, `${code}.${k} is empty`);
        assert.deepEqual(placeholders(v), placeholders(en[k]!), `${code}.${k} "${v}" vs "${en[k]}"`);
        if (code !== "en" && !/^(reminders|remindWhen)$/.test(k)) assert.notEqual(v, en[k], `${code}.${k} is still English`);
      }
    }
  });
}
