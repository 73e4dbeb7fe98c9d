#!/usr/bin/env node
// `npm run release -- <version>`: one version for every package, and the changelog to match.
//
//   npm run release -- 0.2.0 [--dry-run] [--date 2026-12-01] [--root <dir>]
//
// - sets "version" in package.json and in every workspace's package.json (sdk, widget, server,
//   examples: whatever the root's "workspaces" lists);
// - moves the ranges by which the workspaces depend on each other along, keeping their operator
//   ("^0.1.0" becomes "^0.2.0", an exact "0.1.0" becomes "0.2.0");
// - does the same in package-lock.json, so that `npm ci` accepts it;
// - updates a version still hard-coded in the server (`export const VERSION = "…"` in
//   server/src/services.ts), if there is one;
// - turns CHANGELOG.md's "## [Unreleased]" section into "## [<version>] - <date>" under a new,
//   empty Unreleased section (and its compare links, if the file has them).
// It commits, tags and publishes nothing: it prints those steps. `--dry-run` prints what would
// change and writes nothing; `--root` runs on another checkout (the tests use a temporary copy).
// Bad input (not a semantic version, lower than the current one, nothing in Unreleased) is one
// line on stderr and exit code 1; nothing is written unless every check passed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

/** semver.org's own pattern (no leading "v"). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Files that may carry the version as a constant, until they read it from package.json. */
const HARD_CODED = [{ file: "server/src/services.ts", pattern: /(export const VERSION = ")([^"]+)(";)/ }];

class ReleaseError extends Error {}

/** Semantic version precedence (semver.org, section 11): negative, zero or positive. */
export function compareVersions(a, b) {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new ReleaseError(`cannot compare "${a}" and "${b}"`);
  for (let i = 1; i <= 3; i++) if (Number(pa[i]) !== Number(pb[i])) return Number(pa[i]) - Number(pb[i]);
  const [ra, rb] = [pa[4], pb[4]];
  if (ra === undefined || rb === undefined) return ra === rb ? 0 : ra === undefined ? 1 : -1;
  const [xa, xb] = [ra.split("."), rb.split(".")];
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    if (xa[i] === undefined) return -1;
    if (xb[i] === undefined) return 1;
    const [na, nb] = [/^\d+$/.test(xa[i]), /^\d+$/.test(xb[i])];
    if (na && nb && Number(xa[i]) !== Number(xb[i])) return Number(xa[i]) - Number(xb[i]);
    if (na !== nb) return na ? -1 : 1;
    if (!na && xa[i] !== xb[i]) return xa[i] < xb[i] ? -1 : 1;
  }
  return 0;
}

/** A dependency range on a sibling workspace, moved to `version` with its operator kept; other ranges as they are. */
function bumpRange(range, version) {
  const m = /^(\^|~|>=|=)?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(range);
  return m ? `${m[1] ?? ""}${version}` : range;
}

const DEP_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/** Sets `version` and the sibling ranges in one manifest (or lockfile package entry); returns what changed. */
function bumpManifest(pkg, version, siblings, label) {
  const changes = [];
  if (typeof pkg.version === "string" && pkg.version !== version) {
    changes.push(`${label}: version ${pkg.version} -> ${version}`);
    pkg.version = version;
  }
  for (const field of DEP_FIELDS) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (!siblings.has(name)) continue;
      const next = bumpRange(range, version);
      if (next === range) continue;
      changes.push(`${label}: ${field}.${name} ${range} -> ${next}`);
      pkg[field][name] = next;
    }
  }
  return changes;
}

/** CHANGELOG.md with Unreleased moved under `## [version] - date`. */
export function releaseChangelog(text, version, date) {
  const heading = /^## \[Unreleased\][^\n]*\n/m.exec(text);
  if (!heading) throw new ReleaseError('CHANGELOG.md has no "## [Unreleased]" section');
  if (new RegExp(`^## \\[${version.replace(/[.+]/g, "\\$&")}\\]`, "m").test(text)) throw new ReleaseError(`CHANGELOG.md already has a section for ${version}`);
  const start = heading.index + heading[0].length;
  const rest = text.slice(start);
  const next = /^## \[|^\[[^\]]+\]: /m.exec(rest);
  const body = (next ? rest.slice(0, next.index) : rest).trim();
  if (!body) throw new ReleaseError("CHANGELOG.md: the Unreleased section is empty, so there is nothing to release");
  const after = next ? rest.slice(next.index) : "";
  let out = `${text.slice(0, start)}\n## [${version}] - ${date}\n\n${body}\n${after ? `\n${after}` : ""}`;
  // Keep a Changelog's compare links, when the file has them.
  const link = /^\[Unreleased\]: (\S+?)\/compare\/(\S+?)\.\.\.HEAD$/m.exec(out);
  if (link) {
    const [line, base, from] = link;
    out = out.replace(line, `[Unreleased]: ${base}/compare/v${version}...HEAD\n[${version}]: ${base}/compare/${from}...v${version}`);
  }
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ReleaseError(`${file}: ${err.code === "ENOENT" ? "not found" : err.message}`);
  }
}

/** Plans every change, checks everything, then (unless dryRun) writes. Returns the lines describing it. */
export function release({ version, root, date, dryRun }) {
  if (!version) throw new ReleaseError("give the version: npm run release -- <version>, e.g. npm run release -- 0.2.0");
  if (/^v\d/.test(version)) throw new ReleaseError(`"${version}": give the version without the leading "v" (${version.slice(1)})`);
  if (!SEMVER.test(version)) throw new ReleaseError(`"${version}" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 0.2.0 or 1.0.0-rc.1)`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new ReleaseError(`--date "${date}" is not a date (YYYY-MM-DD)`);

  const rootFile = path.join(root, "package.json");
  const rootPkg = readJson(rootFile);
  const current = rootPkg.version;
  if (typeof current === "string" && SEMVER.test(current) && compareVersions(version, current) < 0) {
    throw new ReleaseError(`${version} is lower than the current version ${current}`);
  }
  const workspaces = Array.isArray(rootPkg.workspaces) ? rootPkg.workspaces : [];
  const manifests = [{ dir: "", file: rootFile, pkg: rootPkg }];
  for (const ws of workspaces) {
    if (/[*?]/.test(ws)) throw new ReleaseError(`workspace pattern "${ws}": list workspaces by directory`);
    const file = path.join(root, ws, "package.json");
    manifests.push({ dir: ws, file, pkg: readJson(file) });
  }
  const siblings = new Set(manifests.slice(1).map((m) => m.pkg.name));
  const writes = [];
  const lines = [];
  for (const m of manifests) {
    lines.push(...bumpManifest(m.pkg, version, siblings, path.relative(root, m.file)));
    writes.push([m.file, JSON.stringify(m.pkg, null, 2) + "\n"]);
  }

  const lockFile = path.join(root, "package-lock.json");
  if (existsSync(lockFile)) {
    const lock = readJson(lockFile);
    if (typeof lock.version === "string" && lock.version !== version) {
      lines.push(`package-lock.json: version ${lock.version} -> ${version}`);
      lock.version = version;
    }
    for (const m of manifests) {
      const entry = lock.packages?.[m.dir];
      if (entry) lines.push(...bumpManifest(entry, version, siblings, `package-lock.json packages["${m.dir}"]`));
    }
    writes.push([lockFile, JSON.stringify(lock, null, 2) + "\n"]);
  }

  for (const { file, pattern } of HARD_CODED) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    const text = readFileSync(full, "utf8");
    const m = pattern.exec(text);
    if (!m || m[2] === version) continue;
    lines.push(`${file}: VERSION ${m[2]} -> ${version}`);
    writes.push([full, text.replace(pattern, `$1${version}$3`)]);
  }

  const changelogFile = path.join(root, "CHANGELOG.md");
  if (!existsSync(changelogFile)) throw new ReleaseError(`${changelogFile} not found`);
  writes.push([changelogFile, releaseChangelog(readFileSync(changelogFile, "utf8"), version, date)]);
  lines.push(`CHANGELOG.md: Unreleased -> [${version}] - ${date}`);

  if (!dryRun) for (const [file, text] of writes) writeFileSync(file, text);
  return lines;
}

function main() {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      options: { "dry-run": { type: "boolean", default: false }, root: { type: "string" }, date: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw new ReleaseError(`${err.message} (usage: npm run release -- <version> [--dry-run] [--date YYYY-MM-DD] [--root <dir>])`);
  }
  if (values.help) {
    console.log("npm run release -- <version> [--dry-run] [--date YYYY-MM-DD] [--root <dir>]");
    return;
  }
  if (positionals.length > 1) throw new ReleaseError(`one version, not ${positionals.length}: ${positionals.join(" ")}`);
  const version = positionals[0];
  const root = path.resolve(values.root ?? path.join(import.meta.dirname, ".."));
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  const dryRun = values["dry-run"];
  const lines = release({ version, root, date, dryRun });
  for (const line of lines) console.log(`${dryRun ? "would change" : "changed"}  ${line}`);
  if (dryRun) console.log(`dry run: nothing written`);
  else {
    console.log(`\nReleased ${version} in the files above. Next:`);
    console.log(`  git commit -am "Release ${version}" && git tag v${version}`);
    console.log(`  npm publish -w sdk -w widget`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    main();
  } catch (err) {
    if (!(err instanceof ReleaseError)) throw err;
    console.error(`release: ${err.message}`);
    process.exit(1);
  }
}
