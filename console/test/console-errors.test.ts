import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorMessage, fieldMessage } from "../src/app/errors.js";
import DE from "../src/app/locales/de.js";
import { EN } from "../src/app/strings.js";

// The console says the server's refusals in its reader's language (app/errors.ts): a field's
// problem by its kind, a refusal by its code and reason; the server's English where it names
// something the console has no words for, and, in English, the server's more particular field text.

describe("refusals in the reader's language", () => {
  test("a field's problem by its kind, in German", () => {
    const cases: [object, string][] = [
      [{ issue: "too_small", origin: "string", limit: 1 }, DE.required],
      [{ issue: "too_small", origin: "string", limit: 8 }, DE.fieldTooShort(8)],
      [{ issue: "too_big", origin: "string", limit: 100 }, DE.fieldTooLong(100)],
      [{ issue: "too_small", origin: "number", limit: 2 }, DE.fieldAtLeast(2)],
      [{ issue: "too_big", origin: "array", limit: 50 }, DE.fieldAtMost(50)],
      [{ issue: "invalid_format", format: "email" }, DE.fieldEmail],
      [{ issue: "invalid_format", format: "url" }, DE.fieldUrl],
      [{ issue: "invalid_format", format: "regex" }, DE.fieldInvalid],
      [{ issue: "invalid_type" }, DE.fieldInvalid],
      [{ issue: "invalid_value" }, DE.fieldChoose],
      [{ issue: "confirm_mismatch" }, DE.fieldMismatch],
    ];
    for (const [p, want] of cases) assert.equal(fieldMessage({ path: "x", message: "English", ...p }, DE), want, JSON.stringify(p));
    // A kind without words, or none at all: the server's message.
    assert.equal(fieldMessage({ path: "origins.0", message: "not an origin", issue: "custom" }, DE), "not an origin");
    assert.equal(fieldMessage({ path: "x", message: "Too short" }, DE), "Too short");
    assert.equal(fieldMessage({ path: "x", message: 42, issue: "custom" }, DE), DE.fieldInvalid);
    // A limit that is not a number says the server's words rather than "at least NaN".
    assert.equal(fieldMessage({ path: "x", message: "Too small", issue: "too_small", origin: "string" }, DE), "Too small");
  });

  test("in English, the server's own field message", () => {
    assert.equal(
      fieldMessage({ path: "code", message: "Enter the 6-digit code", issue: "too_small", origin: "string", limit: 6 }, EN),
      "Enter the 6-digit code",
    );
  });

  test("a refusal by its reason, then its code; a 5xx never shows the server's text", () => {
    assert.equal(errorMessage(409, "conflict", "last_owner", "An app keeps…", undefined, DE), DE.errLastOwner);
    assert.equal(errorMessage(409, "conflict", "last_operator", "…", undefined, DE), DE.errLastOperator);
    assert.equal(errorMessage(403, "forbidden", "csrf", "…", undefined, DE), DE.errSession);
    assert.equal(errorMessage(403, "forbidden", "role", "…", undefined, DE), DE.errRole);
    assert.equal(errorMessage(401, "unauthenticated", undefined, "…", undefined, DE), DE.errSignedOut);
    assert.equal(errorMessage(429, "rate_limited", undefined, "…", 30, DE), DE.errRateLimited(30));
    assert.equal(errorMessage(404, "not_found", undefined, "App not found", undefined, DE), DE.errNotFound);
    assert.equal(errorMessage(500, "internal", undefined, "stack trace", undefined, DE), DE.serverError);
    // A conflict that names something particular keeps the server's words.
    assert.equal(errorMessage(409, "conflict", undefined, "This report is already resolved", undefined, DE), "This report is already resolved");
    assert.notEqual(DE.errLastOwner, EN.errLastOwner);
  });
});
