// `npm test` on a contributor's fresh machine, reproduced for real: each case runs the test
// runner (scripts/test/run.ts) inside its own network namespace (loopback only, so nothing
// answers on 3306 or 6379) and mount namespace (where MariaDB's, Redis's and Chromium's
// binaries can be hidden under an empty, non-executable file). Needs root for `unshare -mn`.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { findBinary } from "./services.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HIDE = [
  "mariadbd",
  "mysqld",
  "mariadb-install-db",
  "mysql_install_db",
  "redis-server",
  "valkey-server",
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

function canUnshare(): string | false {
  if (process.getuid?.() !== 0) return "needs root for unshare -mn (a private network and mount namespace)";
  const r = spawnSync("unshare", ["-mn", "true"]);
  return r.status === 0 ? false : `unshare -mn failed here: ${r.stderr?.toString().trim() || r.error?.message}`;
}

/** The shell run inside the namespaces: loopback up, chosen binaries hidden, then the runner. */
function script(hide: boolean): string {
  const hiding = hide
    ? `empty=$(mktemp); for b in ${HIDE.join(" ")}; do for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin /bin /sbin; do [ -f "$d/$b" ] && mount --bind "$empty" "$d/$b"; done; done; `
    : "";
  return `ip link set lo up && ${hiding}exec "$0" --import tsx scripts/test/run.ts "$@"`;
}

interface Outcome {
  code: number | null;
  out: string;
}

/** Runs `npm test`'s runner in fresh namespaces, with a clean environment and its own TMPDIR. */
function runFresh(opts: {
  hide: boolean;
  ci?: boolean;
  tmp: string;
  args: string[];
  onOutput?: (all: string, child: ReturnType<typeof spawn>) => void;
}): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CI|NODE_TEST_CONTEXT|PARLEY_TEST_.*|CHROMIUM_PATH|PLAYWRIGHT_BROWSERS_PATH)$/.test(k)) env[k] = v;
  env["TMPDIR"] = opts.tmp;
  // Its suites' seconds apart from those of the run this test is in (the same checkout's cache).
  env["PARLEY_TEST_TIMINGS_DIR"] = path.join(opts.tmp, "timings");
  if (opts.ci) env["CI"] = "true";
  return new Promise((resolve) => {
    const child = spawn("unshare", ["-mn", "sh", "-c", script(opts.hide), process.execPath, ...opts.args], { cwd: ROOT, env });
    let out = "";
    const take = (d: Buffer): void => {
      out += d.toString();
      opts.onOutput?.(out, child);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/**
 * Whatever the run left in its TMPDIR, and every process still running from it: each one the
 * run started (servers, test files, the nodes they spawn) inherited TMPDIR=<tmp>.
 */
function leftovers(tmp: string): string[] {
  const files = readdirSync(tmp).filter((f) => f.startsWith("parley-test-"));
  const procs: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`TMPDIR=${tmp}`)) {
        procs.push(`pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " ")}`);
      }
    } catch {
      // gone meanwhile
    }
  }
  return [...files, ...procs];
}

const skip = canUnshare();
/** The cases that start throwaway servers need the binaries (a fresh machine may have none). */
const noBinaries =
  findBinary(["mariadbd", "mysqld"]) && findBinary(["redis-server", "valkey-server"])
    ? false
    : "needs mariadbd and redis-server installed, to start throwaway instances of them";

describe("npm test on a fresh machine (its own namespaces)", { skip, timeout: 300_000 }, () => {
  const tmps: string[] = [];
  const freshTmp = (): string => {
    const t = mkdtempSync(path.join(tmpdir(), "parley-fresh-"));
    tmps.push(t);
    return t;
  };
  after(() => tmps.forEach((t) => rmSync(t, { recursive: true, force: true })));

  test("with only Node: the SQLite and unit suites run, the rest is skipped with a summary, exit 0", async () => {
    const tmp = freshTmp();
    const r = await runFresh({
      hide: true,
      tmp,
      args: ["--no-build", "server/test/routes-table.test.ts", "widget/test/xss.test.ts", "server/test/scale.test.ts"],
    });
    assert.equal(r.code, 0, r.out);
    // SQLite: the route matrix really ran; the browser suite was skipped, its source check ran.
    assert.match(r.out, /== sqlite pass[\s\S]*✔ IDOR matrix generated from the route table/);
    assert.match(r.out, /✔ the widget source never builds HTML from strings/);
    assert.match(r.out, /﹣ 100\+ injection payloads .* # Chromium unavailable/);
    // MariaDB pass: every suite reported as skipped, with the reason.
    assert.match(
      r.out,
      /== mysql pass[\s\S]*﹣ IDOR matrix generated from the route table .*# MariaDB unavailable: no server on 127\.0\.0\.1:3306 and no mariadbd/,
    );
    assert.match(
      r.out,
      /MariaDB suites skipped \([1-9]\d* suites and tests\): no server on 127\.0\.0\.1:3306 and no mariadbd or mysqld on PATH or in \/usr\/sbin — apt-get install mariadb-server, or set PARLEY_TEST_MYSQL_URL/,
    );
    assert.match(
      r.out,
      /Redis suites skipped \(\d+ suites and tests\): no server on 127\.0\.0\.1:6379 and no redis-server on PATH — apt-get install redis-server/,
    );
    assert.match(
      r.out,
      /Browser \(Chromium\) suites skipped \([1-9]\d* suites and tests\): no Chromium or Chrome found .* — apt-get install chromium, or set CHROMIUM_PATH/,
    );
    // Both passes: two lanes, each with a time of its own.
    assert.match(r.out, /^lanes: 1 took \d+ s, 2 took \d+ s$/m);
    assert.doesNotMatch(r.out, /TypeError|✖/);
    assert.deepEqual(leftovers(tmp), []);
  });

  test("with CI=true and nothing to test MariaDB with, the run fails at once with the summary line", async () => {
    const tmp = freshTmp();
    const started = Date.now();
    const r = await runFresh({ hide: true, ci: true, tmp, args: ["--no-build", "server/test/routes-table.test.ts"] });
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.out,
      /MariaDB required \(CI=true or PARLEY_TEST_REQUIRE\) but unavailable: no server on 127\.0\.0\.1:3306 and no mariadbd or mysqld on PATH or in \/usr\/sbin — apt-get install mariadb-server/,
    );
    assert.doesNotMatch(r.out, /== sqlite pass/, "no test starts before the refusal");
    assert.ok(Date.now() - started < 30_000, `refused after ${Date.now() - started} ms`);
  });

  test("with the MariaDB and Redis binaries installed, it starts its own servers, runs their suites and removes them", { skip: noBinaries }, async () => {
    const tmp = freshTmp();
    // The multi-node suite's first test is enough to prove the Redis it got works (the rest of
    // that suite takes a minute and proves other things).
    const r = await runFresh({
      hide: false,
      tmp,
      args: ["--no-build", "--pass", "mysql", "--name", "IDOR matrix|cross nodes live", "server/test/routes-table.test.ts", "server/test/scale.test.ts"],
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /MariaDB: started a throwaway server at mysql:\/\/root@127\.0\.0\.1:\d+/);
    assert.match(r.out, /Redis: started a throwaway server at redis:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.out, /✔ IDOR matrix generated from the route table/);
    assert.match(r.out, /✔ a new DM's first message, an edit, a reaction, typing and a read receipt cross nodes live/, "the Redis (multi-node) suite ran");
    assert.doesNotMatch(r.out, /﹣ .*# (MariaDB|Redis) unavailable/, "nothing skipped for want of a service");
    assert.match(r.out, /MariaDB: the throwaway server .* is stopped and .* removed/);
    assert.deepEqual(leftovers(tmp), []);
  });

  test("Ctrl-C during the lanes stops the tests, starts no more and leaves no server or directory behind", { skip: noBinaries }, async () => {
    const tmp = freshTmp();
    let interrupted = false;
    // Both passes: lane 2 runs the MariaDB pass (against the throwaway servers) while lane 1 takes
    // the three SQLite suites one at a time, so two are still queued when its first one is stopped.
    const r = await runFresh({
      hide: false,
      tmp,
      args: ["--no-build", "server/test/shape.test.ts", "server/test/sql-fragments.test.ts", "server/test/routes-table.test.ts"],
      // The real condition: a test of lane 1's first suite has passed.
      onOutput: (out, child) => {
        if (!interrupted && /^\[sqlite 1\] .*✔/m.test(out)) {
          interrupted = true;
          child.kill("SIGINT");
        }
      },
    });
    assert.ok(interrupted, r.out);
    assert.equal(r.code, 130, r.out);
    assert.match(r.out, /SIGINT: stopping the tests and the servers this run started/);
    assert.doesNotMatch(r.out.slice(r.out.indexOf("SIGINT: stopping")), /^== /m, "no step starts after Ctrl-C");
    assert.deepEqual(leftovers(tmp), []);
  });
});
