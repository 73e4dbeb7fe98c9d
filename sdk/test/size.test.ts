import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");

test("`npm run size` prints the SDK's gzip size and it is within the 13.5 KB budget", async () => {
  const { stdout } = await promisify(execFile)("node", ["scripts/size.mjs"], { cwd: ROOT });
  const m = /@parley\/sdk \(without socket\.io-client\): [\d.]+ KB min, ([\d.]+) KB gz \(budget 13\.5 KB\) ok/.exec(stdout);
  assert.ok(m, stdout);
  assert.ok(Number(m[1]) <= 13.5, `${m[1]} KB gz`);
});

test("`npm run size` prints the script-tag loader's gzip size (all a page loads before the chat opens) and it is within 3 KB", async () => {
  const { stdout } = await promisify(execFile)("node", ["scripts/size.mjs"], { cwd: ROOT });
  const m = /widget\.js \(the loader: all a page loads before the chat opens\): [\d.]+ KB min, ([\d.]+) KB gz \(budget 3 KB\) ok/.exec(stdout);
  assert.ok(m, stdout);
  assert.ok(Number(m[1]) <= 3, `${m[1]} KB gz`);
});

test("`npm run size` prints the widget UI's size (loaded when the chat opens) and it is within 40 KB as sent (brotli)", async () => {
  const { stdout } = await promisify(execFile)("node", ["scripts/size.mjs"], { cwd: ROOT });
  const m = /widget UI \(lit, socket\.io-client, sdk and views: loaded on open\): [\d.]+ KB min, ([\d.]+) KB gz, ([\d.]+) KB br \(budget 40 KB br\) ok/.exec(
    stdout,
  );
  assert.ok(m, stdout);
  assert.ok(Number(m[2]) <= 40, `${m[2]} KB br (${m[1]} KB gz)`);
});
