import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");

test("`npm run size` prints the SDK's gzip size and it is within the 10 KB budget", async () => {
  const { stdout } = await promisify(execFile)("node", ["scripts/size.mjs"], { cwd: ROOT });
  const m = /@parley\/sdk \(without socket\.io-client\): [\d.]+ KB min, ([\d.]+) KB gz \(budget 10 KB\) ok/.exec(stdout);
  assert.ok(m, stdout);
  assert.ok(Number(m[1]) <= 10, `${m[1]} KB gz`);
});

test("`npm run size` prints widget.js's first-load gzip size and it is within the 40 KB budget", async () => {
  const { stdout } = await promisify(execFile)("node", ["scripts/size.mjs"], { cwd: ROOT });
  const m = /widget\.js \(lit, socket\.io-client, sdk and UI: the first load\): [\d.]+ KB min, ([\d.]+) KB gz \(budget 40 KB\) ok/.exec(stdout);
  assert.ok(m, stdout);
  assert.ok(Number(m[1]) <= 40, `${m[1]} KB gz`);
});
