// Lint and format (issue 16): `biome ci` over the whole repo (biome.json: the recommended rules,
// the formatter's 160 columns) must find nothing. A formatting slip or a new lint error fails
// `npm test` here, with Biome's own diagnostics in the message; `npm run lint:fix` repairs what
// it can.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIOME = path.join(ROOT, "node_modules/@biomejs/biome/bin/biome");

test("biome ci: no lint error or warning and every file formatted", () => {
  const run = spawnSync(process.execPath, [BIOME, "ci", "--colors=off", "--error-on-warnings", "--max-diagnostics=30", "."], { cwd: ROOT, encoding: "utf8" });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out.slice(-8000));
  const checked = /Checked (\d+) files?/.exec(out);
  assert.ok(checked && Number(checked[1]) > 200, `biome checked the repo's sources, not an empty set: ${out.slice(-500)}`);
});
