// The build prints no warning (issue 52: a newcomer's first `npm start` printed rollup's
// "Unresolved dependencies"): every rollup build fails on one, so `npm test` (which builds first)
// and `npm start` stop at it. This checks the rule is in place in every build of the config.
import assert from "node:assert/strict";
import { test } from "node:test";

interface Config {
  input: unknown;
  onwarn?: (warning: { code: string; message: string }) => void;
}

test("every rollup build fails on a warning", async () => {
  // A path in a variable: the config is plain JavaScript, without types to check the import against.
  const file = "../../rollup.config.mjs";
  const configs = ((await import(file)) as { default: Config[] }).default;
  assert.ok(configs.length >= 8, `${configs.length} builds`);
  for (const c of configs) {
    assert.equal(typeof c.onwarn, "function", `the build of ${JSON.stringify(c.input)} has no onwarn`);
    assert.throws(() => c.onwarn!({ code: "UNRESOLVED_IMPORT", message: "x is treated as external" }), /rollup warning \(UNRESOLVED_IMPORT\)/);
  }
});
