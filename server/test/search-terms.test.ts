import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mulberry32 } from "../bench/seed.js";
import { documentText as shipped } from "../src/db/migrations/search-terms-1763930000000.js";
import { newId } from "../src/shared/ids.js";
import { documentText } from "../src/search/terms.js";

/**
 * A message's stored search text (search/terms.ts `documentText`) takes a shortcut for ASCII text
 * (issue 56: the general path was a tenth of a send's CPU). Stored text must not depend on which
 * path made it: a message indexed before the shortcut, or by the search migration's backfill, is
 * found by the same query as one indexed after. The oracle is that migration's frozen copy of the
 * general path, which every text here must match exactly.
 */

const conversation = newId("cnv");

function assertSame(text: string, conversationId = conversation): void {
  assert.equal(documentText(conversationId, text), shipped(conversationId, text), `text ${JSON.stringify(text)}`);
}

describe("a message's search text", () => {
  test("every ASCII character, alone, inside a word and between words, gives the general path's terms", () => {
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      for (const text of [c, `a${c}b`, `Ab${c}${c}Cd x${c}X`, `${c}42${c}`]) assertSame(text);
    }
  });

  test("words at and past the longest stored term, with and without an escaped x, are cut where the general path cuts them", () => {
    for (let length = 74; length <= 84; length++) {
      for (const text of [
        "a".repeat(length),
        "x".repeat(length),
        `${"a".repeat(length - 1)}x`,
        `${"b".repeat(length - 6)}x${"c".repeat(5)}`,
        "Q".repeat(length),
      ]) {
        assertSame(`lead ${text} tail`);
      }
    }
  });

  test("5,000 generated ASCII messages give the general path's terms, in its order, duplicates once", () => {
    const random = mulberry32(56);
    // Weighted towards what changes terms: capitals, x and X, digits, separators and repeats.
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789xxXX    .,!?'_-\t\n@#:/";
    for (let k = 0; k < 5000; k++) {
      const length = Math.floor(random() * (k % 10 === 0 ? 400 : 60));
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      if (k % 7 === 0) text += ` ${text}`;
      assertSame(text, k % 3 === 0 ? conversation : newId("cnv"));
    }
  });

  test("text with any non-ASCII character takes the general path: accents, compatibility forms, CJK and emoji", () => {
    for (const text of [
      "Café crème brûlée",
      "naïve CAFÉ cafe",
      "東京都に行きます",
      "ﬁle ¼ ½ x²",
      "Ωmega ΣΑΣ",
      "привет МИР",
      "🙂 fine 👍🏽",
      "plain ascii then é",
      "한국어 text",
      "\u00a0nbsp",
    ]) {
      assertSame(text);
    }
  });

  test("conversation ids of any shape give the general path's token", () => {
    for (const id of ["cnv_abc", "cnv_xxxx", "CNV_Mixed-Case", "cnv_{`~}@[/:", "c".repeat(32), newId("cnv"), "cnv_é"]) assertSame("hello", id);
  });
});
