/**
 * The console's translations (issue 32): each of the fifteen tables has exactly the English
 * table's keys, of the same kinds (text, a function of the same parameters, a table), every
 * function answers text for the values the pages pass, and the tables are translated, not copies.
 * Which language a browser gets is pickLocale's: tested here on the tags browsers send.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LOCALES, pickLocale } from "../src/app/locale.js";
import { EN, type ConsoleStrings } from "../src/app/strings.js";

type Leaf = { path: string; value: unknown };

/** Every leaf of a table, by its dotted path. */
function leaves(table: Record<string, unknown>, prefix = ""): Leaf[] {
  return Object.entries(table).flatMap(([k, v]) =>
    v !== null && typeof v === "object" ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [{ path: `${prefix}${k}`, value: v }],
  );
}

/** The values a page passes a string function: numbers first (counts, seconds), else text. */
function call(fn: (...args: unknown[]) => unknown): unknown {
  for (const arg of [3, "x@shop.example"]) {
    try {
      return fn(...Array.from({ length: fn.length }, () => arg));
    } catch {
      // Text where a number would not do (a method of a string called on it).
    }
  }
  throw new Error("throws for numbers and for text");
}

describe("the console's translations", () => {
  const english = leaves(EN as unknown as Record<string, unknown>);

  for (const [code, locale] of Object.entries(LOCALES)) {
    test(`${code}: every key of English, same kinds and parameters, translated`, async () => {
      const table: ConsoleStrings = (await locale.load()).default;
      const theirs = leaves(table as unknown as Record<string, unknown>);
      assert.deepEqual(
        theirs.map((l) => l.path),
        english.map((l) => l.path),
        "the same keys, in the same order",
      );
      let same = 0;
      let texts = 0;
      for (const [i, en] of english.entries()) {
        const t = theirs[i]!;
        assert.equal(typeof t.value, typeof en.value, `${code} ${en.path}: a ${typeof en.value}`);
        if (typeof en.value === "function") {
          const fn = t.value as (...args: unknown[]) => unknown;
          assert.equal(fn.length, (en.value as (...args: unknown[]) => unknown).length, `${code} ${en.path}: its parameters`);
          const out = call(fn);
          assert.equal(typeof out, "string", `${code} ${en.path}: answers text`);
          assert.ok((out as string).trim().length > 0 && !/undefined|\[object/.test(out as string), `${code} ${en.path}: ${String(out)}`);
        } else if (typeof en.value === "string") {
          assert.ok((t.value as string).trim().length > 0, `${code} ${en.path}: empty`);
          texts++;
          if (t.value === en.value && (en.value as string).length > 12) same++;
        }
      }
      // Names and short technical words may stay as they are; sentences may not.
      assert.ok(same / texts < 0.05, `${code}: ${same} of ${texts} sentences are the English ones`);
    });
  }

  test("a browser's languages choose the table: the tag itself, else its language, else English", () => {
    const cases: [string[], string, string][] = [
      [["de-AT", "en"], "de", "de-AT"],
      [["pt-PT"], "pt-BR", "pt-PT"],
      [["zh-Hans-CN", "zh-CN"], "zh-CN", "zh-Hans-CN"],
      [["sv-SE", "fr-CA"], "fr", "fr-CA"],
      [["en-GB", "de"], "en", "en-GB"],
      [["xx", ""], "en", "en"],
      [["not a tag!", "de_DE", "nl"], "nl", "nl"],
      [[], "en", "en"],
    ];
    for (const [wanted, code, tag] of cases) assert.deepEqual(pickLocale(wanted), { code, tag }, wanted.join(","));
  });
});
