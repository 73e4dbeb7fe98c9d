// `npm run release -- <version>` (scripts/release.mjs), run on a temporary copy of the repo's
// manifests, lockfile, changelog and server version constant: every package moves to the same
// version, sibling ranges move with it, the changelog's Unreleased becomes the release, and bad
// input is one clear line and exit code 1 with nothing written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
// @ts-expect-error: a plain .mjs script without type declarations
import { compareVersions, releaseChangelog } from "../release.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCRIPT = path.join(ROOT, "scripts/release.mjs");
const WORKSPACES = ["sdk", "widget", "server", "console", "examples"];
const FILES = ["package.json", "package-lock.json", "CHANGELOG.md", ...WORKSPACES.map((w) => `${w}/package.json`), "server/src/services.ts"];

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temporary root with copies of the files the release touches. */
function copyRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "parley-test-release-"));
  dirs.push(dir);
  for (const f of FILES) {
    if (!existsSync(path.join(ROOT, f))) continue;
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(dir, f));
  }
  return dir;
}

function run(dir: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args, "--root", dir], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (dir: string, f: string): any => JSON.parse(readFileSync(path.join(dir, f), "utf8"));
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(FILES.filter((f) => existsSync(path.join(dir, f))).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));

describe("npm run release", () => {
  test("the repo's packages share one version now (the invariant the release keeps)", () => {
    const versions = new Set(["package.json", ...WORKSPACES.map((w) => `${w}/package.json`)].map((f) => json(ROOT, f).version));
    assert.equal(versions.size, 1, [...versions].join(", "));
    assert.match(readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"), /^## \[Unreleased\]\n\n### Added\n/m);
  });

  test("bumps every package, the ranges between them and the lockfile together; moves Unreleased under the version", () => {
    const dir = copyRepo();
    const before = snapshot(dir);
    const oldVersion = json(dir, "package.json").version as string;
    const unreleased = /## \[Unreleased\]\n([\s\S]*?)(?=\n## \[|$)/.exec(before["CHANGELOG.md"]!)![1]!.trim();
    const r = run(dir, "0.2.0", "--date", "2026-12-01");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Released 0\.2\.0/);
    for (const f of ["package.json", ...WORKSPACES.map((w) => `${w}/package.json`)]) assert.equal(json(dir, f).version, "0.2.0", f);
    // Sibling ranges keep their operator; other dependencies are untouched.
    assert.equal(json(dir, "widget/package.json").dependencies["@parley/sdk"], "^0.2.0");
    assert.equal(json(dir, "examples/package.json").dependencies["@parley/sdk"], "0.2.0");
    assert.equal(json(dir, "examples/package.json").dependencies["@parley/widget"], "0.2.0");
    assert.equal(json(dir, "widget/package.json").dependencies["lit"], json(ROOT, "widget/package.json").dependencies["lit"]);
    assert.deepEqual(json(dir, "server/package.json").dependencies, json(ROOT, "server/package.json").dependencies);
    // The lockfile says the same, so `npm ci` accepts it.
    const lock = json(dir, "package-lock.json");
    assert.equal(lock.version, "0.2.0");
    for (const ws of ["", ...WORKSPACES]) assert.equal(lock.packages[ws].version, "0.2.0", `lock packages["${ws}"]`);
    assert.equal(lock.packages["widget"].dependencies["@parley/sdk"], "^0.2.0");
    assert.deepEqual(lock.packages["examples"].dependencies, { "@parley/sdk": "0.2.0", "@parley/widget": "0.2.0" });
    // Nothing else in the lockfile moved.
    const oldLock = JSON.parse(before["package-lock.json"]!);
    for (const [key, entry] of Object.entries(oldLock.packages as Record<string, { version?: string }>)) {
      if (!["", ...WORKSPACES].includes(key)) assert.deepEqual(lock.packages[key], entry, key);
    }
    // A version still hard-coded in the server moves too.
    if (/export const VERSION = "/.test(before["server/src/services.ts"] ?? "")) {
      assert.match(readFileSync(path.join(dir, "server/src/services.ts"), "utf8"), /export const VERSION = "0\.2\.0";/);
    }
    // The changelog: an empty Unreleased, then the release with what Unreleased held.
    const log = readFileSync(path.join(dir, "CHANGELOG.md"), "utf8");
    assert.ok(log.includes(`## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n${unreleased}\n`), log.slice(0, 1500));
    assert.equal(log.split("## [Unreleased]")[0], before["CHANGELOG.md"]!.split("## [Unreleased]")[0], "the preamble is kept");
    // Files stay formatted as npm writes them.
    for (const f of ["package.json", "package-lock.json", "widget/package.json"]) {
      const text = readFileSync(path.join(dir, f), "utf8");
      assert.equal(text, JSON.stringify(JSON.parse(text), null, 2) + "\n", f);
    }
    assert.notEqual(oldVersion, "0.2.0");

    // Releasing again with nothing new in Unreleased is refused.
    const again = run(dir, "0.2.1");
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), "release: CHANGELOG.md: the Unreleased section is empty, so there is nothing to release");
  });

  test("--dry-run lists the changes and writes nothing", () => {
    const dir = copyRepo();
    const before = snapshot(dir);
    const r = run(dir, "1.0.0-rc.1", "--dry-run");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would change {2}sdk\/package\.json: version \S+ -> 1\.0\.0-rc\.1/);
    assert.match(r.stdout, /would change {2}widget\/package\.json: dependencies\.@parley\/sdk \^\S+ -> \^1\.0\.0-rc\.1/);
    assert.match(r.stdout, /dry run: nothing written/);
    assert.deepEqual(snapshot(dir), before);
  });

  test("bad input: one clear line on stderr, exit code 1, nothing written", () => {
    const dir = copyRepo();
    const before = snapshot(dir);
    const current = json(dir, "package.json").version as string;
    const cases: [string[], RegExp][] = [
      [["0.2"], /^release: "0\.2" is not a semantic version \(MAJOR\.MINOR\.PATCH, e\.g\. 0\.2\.0 or 1\.0\.0-rc\.1\)$/],
      [["1.0.0.0"], /is not a semantic version/],
      [["latest"], /^release: "latest" is not a semantic version/],
      [["01.2.3"], /is not a semantic version/],
      [["1.2.3-"], /is not a semantic version/],
      [["v1.0.0"], /^release: "v1\.0\.0": give the version without the leading "v" \(1\.0\.0\)$/],
      [[], /^release: give the version: npm run release -- <version>/],
      [["1.0.0", "2.0.0"], /^release: one version, not 2/],
      [["0.0.1"], new RegExp(`^release: 0\\.0\\.1 is lower than the current version ${current.replace(/\./g, "\\.")}$`)],
      [["1.0.0", "--date", "tomorrow"], /^release: --date "tomorrow" is not a date \(YYYY-MM-DD\)$/],
      [["1.0.0", "--frobnicate"], /^release: Unknown option '--frobnicate'.*\(usage: npm run release -- <version>/],
    ];
    for (const [args, message] of cases) {
      const r = run(dir, ...args);
      assert.equal(r.code, 1, `${args.join(" ")}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr.trim(), message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line, no stack: ${r.stderr}`);
    }
    const missing = spawnSync(process.execPath, [SCRIPT, "1.0.0", "--root", path.join(dir, "nope")], { encoding: "utf8" });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr.trim(), /^release: .*nope\/package\.json: not found$/);
    assert.deepEqual(snapshot(dir), before, "nothing written");
  });

  test("semantic version precedence", () => {
    const ordered = [
      "0.1.0",
      "0.2.0",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.10.0",
      "2.0.0",
    ];
    for (let i = 0; i < ordered.length - 1; i++) {
      assert.ok(compareVersions(ordered[i], ordered[i + 1]) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
      assert.ok(compareVersions(ordered[i + 1], ordered[i]) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
    }
    assert.equal(compareVersions("1.0.0+build.5", "1.0.0"), 0, "build metadata has no precedence");
  });

  test("the changelog's compare links follow the release, when it has them", () => {
    const text = [
      "# Changelog",
      "",
      "## [Unreleased]",
      "",
      "### Fixed",
      "",
      "- a thing",
      "",
      "## [0.1.0] - 2026-01-01",
      "",
      "- first",
      "",
      "[Unreleased]: https://example.org/parley/compare/v0.1.0...HEAD",
      "[0.1.0]: https://example.org/parley/releases/tag/v0.1.0",
      "",
    ].join("\n");
    const out = releaseChangelog(text, "0.1.1", "2026-02-02");
    assert.equal(
      out,
      [
        "# Changelog",
        "",
        "## [Unreleased]",
        "",
        "## [0.1.1] - 2026-02-02",
        "",
        "### Fixed",
        "",
        "- a thing",
        "",
        "## [0.1.0] - 2026-01-01",
        "",
        "- first",
        "",
        "[Unreleased]: https://example.org/parley/compare/v0.1.1...HEAD",
        "[0.1.1]: https://example.org/parley/compare/v0.1.0...v0.1.1",
        "[0.1.0]: https://example.org/parley/releases/tag/v0.1.0",
        "",
      ].join("\n"),
    );
    assert.throws(() => releaseChangelog(out, "0.1.0", "2026-03-03"), /already has a section for 0\.1\.0/);
  });
});
