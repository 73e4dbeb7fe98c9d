// `npm test`: type-check, build, then every suite on SQLite and, at the same time, on MariaDB (two
// lanes: see `together` below).
//
// The run brings up what it needs once, for all files: MariaDB and Redis already answering (or
// at PARLEY_TEST_MYSQL_URL / PARLEY_TEST_REDIS_URL), else throwaway instances started from the
// installed binaries and removed at the end (also after a failure or Ctrl-C); Chromium from
// CHROMIUM_PATH or the usual places. What it cannot find is skipped as skipped tests with the
// reason, and summarised at the end, one line per missing part. With CI=true (or
// PARLEY_TEST_REQUIRE=all, or a list such as "mysql,browser") a missing part fails the run
// before any test starts, so CI never loses coverage silently.
//
//   node --import tsx scripts/test/run.ts [--pass sqlite|mysql] [--no-build] [--name <pattern>] [files...]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { browserAvailability, mysqlAvailability, redisAvailability, type Availability, type Provisioned, type ServiceName } from "./services.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SKIP_PRELOAD = path.join(ROOT, "scripts/test/skip-pass.mjs");
const TIMINGS_REPORTER = path.join(ROOT, "scripts/test/timings.mjs");
/**
 * Each pass's seconds by file (scripts/test/timings.mjs), kept after the run. A run inside a test
 * (fresh-machine.test.ts) keeps its own elsewhere: a run starts by deleting the last run's.
 */
const TIMINGS_DIR = process.env["PARLEY_TEST_TIMINGS_DIR"] ?? path.join(ROOT, "node_modules/.cache/parley/timings");
/** How many of a pass's slowest files the summary names. */
const SLOWEST_SHOWN = 8;

/**
 * The suites of each pass. The browser and example suites need no MariaDB: SQLite pass only. The
 * SDK's browser suites (`*-browser.test.ts`: real media between pages) run on the SQLite pass only
 * too: what they add over the server suites is the browsers' side, the same on either database,
 * and the server's side of calls runs on both (server/test/calls*.test.ts).
 */
const PASSES = {
  sqlite: [
    "server/test/*.test.ts",
    "sdk/test/*.test.ts",
    "widget/test/*.test.ts",
    "console/test/*.test.ts",
    "examples/test/*.test.ts",
    "scripts/test/*.test.ts",
  ],
  mysql: ["server/test/*.test.ts", "sdk/test/*.test.ts"],
} as const;
type Pass = keyof typeof PASSES;

/**
 * Suites whose subject is timing under load (a failover drill's bounds, a page's launcher within
 * its limit): when the passes run at the same time, these wait until both are done and then run
 * alone, each pass's after the other. In a fresh-clone run of 1be54e1 with the passes together,
 * the Redis Cluster failover drill's widget page did not show its launcher within 15 s.
 */
const ALONE = new Set([
  "server/test/redis-cluster-failover.test.ts",
  // Four browsers (one Firefox) with fake video: beside the other pass, Firefox's script calls
  // timed out at 180 s in a fresh-clone run of 61ad4e6.
  "sdk/test/calls-group-browser.test.ts",
  // An ICE restart through Firefox within the call's recovery bound: beside the other pass, the
  // restart did not finish in time and the call ended as connection_lost (fresh-clone run of d9b4d73).
  "sdk/test/calls-faults-browser.test.ts",
]);

const LABEL: Record<ServiceName, string> = { mysql: "MariaDB", redis: "Redis", browser: "Browser (Chromium)" };

interface Options {
  passes: Pass[];
  build: boolean;
  files: string[];
  /** `--name <pattern>`: only tests whose name matches (node's --test-name-pattern). */
  names: string[];
}

/**
 * CI runs `.ci/run` (which runs `npm test`) and then `npm test` again, in the same clone. The
 * second run of an unchanged commit replays the first one's result rather than spend another 25
 * minutes on the same suites: a complete run (both passes, no file or name filter, every service
 * there) that passed records the commit; a complete run with CI=true on that commit, with no
 * tracked file changed since, says so and exits 0. PARLEY_TEST_FORCE=1 runs the suites anyway.
 */
const STAMP = path.join(ROOT, "node_modules/.cache/parley/tests-passed.json");

/** HEAD, when no tracked file differs from it (screenshots aside); else undefined (nothing to replay or record). */
function cleanCommit(): string | undefined {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  // The browser suites draw docs/screenshots/ again on every run: those files changing is not a change of what was tested.
  const changed = dirty.stdout.split("\n").filter((line) => line.trim() !== "" && !/^.{3}"?docs\/screenshots\//.test(line));
  if (head.status !== 0 || dirty.status !== 0 || changed.length > 0) return undefined;
  return head.stdout.trim();
}

const isComplete = (o: Options): boolean => o.build && o.files.length === 0 && o.names.length === 0 && o.passes.length === Object.keys(PASSES).length;

function parseArgs(argv: string[]): Options {
  const o: Options = { passes: ["sqlite", "mysql"], build: true, files: [], names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--no-build") o.build = false;
    else if (a === "--name") o.names.push(argv[++i] ?? "");
    else if (a === "--pass") o.passes = (argv[++i] ?? "").split(",").filter((p): p is Pass => p in PASSES);
    else o.files.push(a);
  }
  return o;
}

/** Which services must be there: CI=true or PARLEY_TEST_REQUIRE=all means all of them. */
function required(): Set<ServiceName> {
  const spec = process.env["PARLEY_TEST_REQUIRE"] ?? (process.env["CI"] === "true" || process.env["CI"] === "1" ? "all" : "");
  if (spec.trim() === "all") return new Set(["mysql", "redis", "browser"]);
  return new Set(
    spec
      .split(",")
      .map((s) => s.trim())
      .filter((s): s is ServiceName => s in LABEL),
  );
}

// ---------------------------------------------------------------------------------------------
// Children, and cleaning up after them whatever happens
// ---------------------------------------------------------------------------------------------

const provisioned: Provisioned[] = [];
/** The steps running now (the two passes run at the same time). */
const running = new Set<ChildProcess>();
/** Each step's PARLEY_TEST_RUN tag. */
const runTags = new WeakMap<ChildProcess, string>();
let cleaning: Promise<void> | undefined;
/** Set by Ctrl-C (or a stop signal): no step starts after it, or the exit would leave it running. */
let stopping = false;

function cleanup(): Promise<void> {
  return (cleaning ??= Promise.all(provisioned.map((p) => p.stop().catch(() => undefined))).then(() => undefined));
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the tests and the servers this run started`);
    stopping = true;
    const stopped = Promise.all([...running].map((child) => stopGroup(child, signal)));
    void stopped
      .then(() => reapTagged())
      .then(cleanup)
      .then(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

/**
 * Every process of this run carries PARLEY_TEST_RUN=<id> in its environment (children inherit
 * it), so the run can find what tests started in process groups of their own (scale nodes, the
 * demo server) when they could not stop them themselves, e.g. after Ctrl-C. Linux (/proc) only;
 * elsewhere the process groups are what is stopped. Each pass has a tag of its own
 * (`<id>.sqlite`), so the end of one pass never reaps what the other, still running, started.
 */
const RUN_ID = `${process.pid}-${Date.now()}`;

/** Kills every process tagged `tag`, or, with no tag, every process of this run. */
function reapTagged(tag?: string): void {
  if (!existsSync("/proc")) return;
  const ours = (entry: string): boolean => (tag ? entry === `PARLEY_TEST_RUN=${tag}` : entry.startsWith(`PARLEY_TEST_RUN=${RUN_ID}`));
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").some(ours)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // not ours to read, or gone
    }
  }
}

/**
 * Each step runs in its own process group, so that stopping it reaches everything its tests
 * started (servers, spawned nodes, browsers), not only the direct child.
 */
async function stopGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const kill = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone already
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  kill("SIGKILL");
  reapTagged(runTags.get(child) ?? RUN_ID);
}

/**
 * Whether a line of a failure's error goes in the summary: its message, and the first place in a
 * test file it was thrown from; not its other stack frames, nor an assertion error's own fields
 * (code, actual, ...), which say nothing the message does not. At most six lines.
 */
function tellsWhy(line: string, why: string[]): boolean {
  const text = line.trim().slice(0, 300);
  if (why.length >= 6 || why.includes(text) || /^(generatedMessage|code|actual|expected|operator):|^[{}]$/.test(text)) return false;
  return !text.startsWith("at ") || (/\.test\.ts:\d+/.test(text) && !why.some((w) => w.startsWith("at ")));
}

/**
 * Runs a command, echoing its output (each whole line after `tag`, when given, so that two passes
 * running at once stay readable); resolves with its exit code and (for passes) its skips.
 */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  tag = "",
): Promise<{ code: number; skips: Map<string, number>; failures: Map<string, string[]> }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", tag ? "pipe" : "inherit"], detached: true });
    running.add(child);
    runTags.set(child, env["PARLEY_TEST_RUN"] ?? RUN_ID);
    const skips = new Map<string, number>();
    // The failed tests' names and the first lines of why, for the summary: CI shows the end of the
    // output, and a pass's own report of its failures is far above it, between the other pass's lines.
    const failures = new Map<string, string[]>();
    const echo = (into: NodeJS.WriteStream, parse: boolean) => {
      let partial = "";
      /** The failure whose lines follow, and how far its ✖ was indented. */
      let reading: { why: string[]; indent: number } | undefined;
      return (chunk: Buffer | null) => {
        const lines = (partial + (chunk?.toString() ?? "")).split("\n");
        partial = chunk ? (lines.pop() ?? "") : "";
        if (!tag && chunk) into.write(chunk);
        for (const line of lines) {
          if (tag && (line || chunk)) into.write(`${tag}${line}\n`);
          // A top-level skipped suite or test in the spec reporter: "﹣ name (1.2ms) # reason".
          const m = parse ? /^﹣ .* # (.+)$/.exec(line) : null;
          if (m) skips.set(m[1]!, (skips.get(m[1]!) ?? 0) + 1);
          const failed = parse ? /^(\s*)✖ (.+) \([\d.]+ms\)/.exec(line) : null;
          if (failed) {
            const why = failures.get(failed[2]!) ?? [];
            if (failures.size < 20 || failures.has(failed[2]!)) failures.set(failed[2]!, why);
            reading = { why, indent: failed[1]!.length };
          } else if (parse && reading && line.trim() !== "") {
            // The error under a ✖ is indented deeper than it.
            if (line.length - line.trimStart().length <= reading.indent) reading = undefined;
            else if (tellsWhy(line, reading.why)) reading.why.push(line.trim().slice(0, 300));
          }
        }
      };
    };
    const out = echo(process.stdout, true);
    child.stdout!.on("data", out).on("end", () => out(null));
    if (tag) {
      const err = echo(process.stderr, false);
      child.stderr!.on("data", err).on("end", () => err(null));
    }
    child.on("exit", (code, signal) => {
      running.delete(child);
      // Whatever a test left running in the step's group goes with it.
      void stopGroup(child, "SIGKILL").then(() => resolve({ code: code ?? (signal ? 1 : 0), skips, failures }));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const ci = process.env["CI"] === "true" || process.env["CI"] === "1";
  if (ci && isComplete(opts) && process.env["PARLEY_TEST_FORCE"] !== "1" && existsSync(STAMP)) {
    const stamp = JSON.parse(readFileSync(STAMP, "utf8")) as { commit: string; at: string; results: string[] };
    if (stamp.commit === cleanCommit()) {
      console.log(`== every suite already passed on ${stamp.commit} in this clone (${stamp.at}):`);
      for (const line of stamp.results) console.log(line);
      console.log("not running them twice (PARLEY_TEST_FORCE=1 does)");
      return 0;
    }
  }

  const must = required();
  const started = Date.now();

  console.log("== services");
  const avail = new Map<ServiceName, Availability>();
  if (opts.passes.includes("mysql")) {
    avail.set("mysql", await mysqlAvailability(provisioned));
    avail.set("redis", await redisAvailability(provisioned));
  }
  if (opts.passes.includes("sqlite")) avail.set("browser", browserAvailability());
  for (const [name, a] of avail)
    console.log(
      `${LABEL[name]}: ${a.ok ? `${a.how === "provisioned" ? "started a throwaway server at" : "using"} ${redact(a.url)}` : `missing (${a.reason})`}`,
    );

  const missingRequired = [...avail].filter(([name, a]) => !a.ok && must.has(name));
  if (missingRequired.length) {
    console.log("\n== summary");
    for (const [name, a] of missingRequired)
      if (!a.ok) console.log(`${LABEL[name]} required (CI=true or PARLEY_TEST_REQUIRE) but unavailable: ${a.reason} — ${a.fix}`);
    return 1;
  }

  // The servers this run started do not carry the tag: only the steps and what they start.
  const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_TEST_RUN: RUN_ID };
  const mysql = avail.get("mysql");
  const redis = avail.get("redis");
  const browser = avail.get("browser");
  if (mysql?.ok) env["PARLEY_TEST_MYSQL_URL"] = mysql.url;
  if (redis?.ok) env["PARLEY_TEST_REDIS_URL"] = redis.url;
  else if (redis) env["PARLEY_TEST_SKIP_REDIS"] = `Redis unavailable: ${redis.reason}`;
  if (browser?.ok) env["CHROMIUM_PATH"] = browser.url;
  else if (browser) env["PARLEY_TEST_SKIP_BROWSER"] = `Chromium unavailable: ${browser.reason}`;

  const results: string[] = [];
  const skipped = new Map<string, number>();
  let failed = false;
  if (opts.build) {
    for (const [label, cmd, args] of [
      ["typecheck", "npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]],
      ["build", "npm", ["run", "build"]],
    ] as const) {
      console.log(`\n== ${label}`);
      if ((await run(cmd, [...args], env)).code !== 0) {
        console.log(`\n== summary\n${label} failed`);
        return 1;
      }
    }
  }

  /** A pass's files, as chosen on the command line (the MariaDB pass has no browser suites). */
  const passFiles = (pass: Pass): string[] => {
    const all = PASSES[pass].flatMap(expand).filter((f) => pass === "sqlite" || !f.endsWith("-browser.test.ts"));
    return opts.files.length ? all.filter((f) => opts.files.some((given) => path.resolve(ROOT, given) === path.resolve(ROOT, f))) : all;
  };
  mkdirSync(TIMINGS_DIR, { recursive: true });
  // The last run's SQLite seconds, to start the queue's slowest first (a file is slower on MariaDB).
  const lastTimings = readTimings(readdirSync(TIMINGS_DIR).flatMap((f) => (f.startsWith("sqlite-") ? [path.join(TIMINGS_DIR, f)] : [])));
  for (const f of readdirSync(TIMINGS_DIR)) rmSync(path.join(TIMINGS_DIR, f), { force: true });
  const steps: StepResult[] = [];
  let stepsStarted = 0;
  /** Runs `files` of `pass` in one `node --test`; `tag` prefixes its lines when another step runs beside it. */
  const runStep = async (pass: Pass, files: string[], heading: string, tag = ""): Promise<StepResult> => {
    if (stopping) return { pass, files: files.length, code: 1, failures: new Map(), timings: "", seconds: 0 };
    const timings = path.join(TIMINGS_DIR, `${pass}-${++stepsStarted}.json`);
    const passEnv: NodeJS.ProcessEnv = { ...env, PARLEY_TEST_DB: pass, PARLEY_TEST_RUN: `${RUN_ID}.${pass}.${tag.trim()}`, PARLEY_TEST_TIMINGS: timings };
    const preload: string[] = [];
    if (pass === "mysql" && mysql && !mysql.ok) {
      passEnv["PARLEY_TEST_SKIP_PASS"] = `MariaDB unavailable: ${mysql.reason}`;
      preload.push("--import", SKIP_PRELOAD);
    }
    console.log(`\n== ${heading}${tag ? ` (its lines start with ${tag.trim()})` : ""}`);
    const args = [
      "--import",
      "tsx",
      ...preload,
      "--test",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${TIMINGS_REPORTER}`,
      // Not /dev/null: Node 24 fsyncs a file destination when it closes, and /dev/null answers EINVAL
      // (the run then fails after its tests passed). The reporter writes nothing there.
      "--test-reporter-destination=stderr",
      "--test-concurrency=1",
      "--test-force-exit",
      ...opts.names.map((n) => `--test-name-pattern=${n}`),
      ...files,
    ];
    const started = Date.now();
    const r = await run(process.execPath, args, passEnv, tag);
    for (const [reason, n] of r.skips) skipped.set(reason, (skipped.get(reason) ?? 0) + n);
    failed ||= r.code !== 0;
    const step = { pass, files: files.length, code: r.code, failures: r.failures, timings, seconds: (Date.now() - started) / 1000 };
    steps.push(step);
    return step;
  };

  /**
   * With both passes, the suites run in two lanes at the same time, one a core (on two cores the
   * CPU is busy 97 % of the lanes' time: a third lane would not help). Two suites share nothing but
   * what the machine locks (server/test/helpers/machine-lock.ts: the fixed ports of Janus and
   * coturn). Lane 1 starts with the SQLite pass's browser suites, lane 2 with the MariaDB pass;
   * then each takes the rest of the SQLite pass from a common queue, slowest first, in runs that
   * shrink as the queue does, so the lanes end within a suite of each other whichever part is the
   * longer on a given machine. In the fresh-clone CI of 8354bc3, one lane a pass, the SQLite pass
   * took 3,526 s and the MariaDB pass 2,440 s; in that of 35d3a0f the two lanes took 3,142 and
   * 3,141 s. Two browser suites never run at once, as before. Then the ALONE suites run, each
   * pass's after the other. PARLEY_TEST_SERIAL=1 runs each pass whole, one after the other.
   */
  const together = opts.passes.length > 1 && process.env["PARLEY_TEST_SERIAL"] !== "1";
  const lanes: number[] = [];
  if (together) {
    const shared = (pass: Pass) => passFiles(pass).filter((f) => !ALONE.has(f));
    const browsers = shared("sqlite").filter(needsBrowser);
    const weights = new Map(shared("sqlite").map((f) => [f, weight(f, lastTimings)]));
    const queue = shared("sqlite")
      .filter((f) => !needsBrowser(f))
      .sort((a, b) => weights.get(b)! - weights.get(a)!);
    const first: [Pass, string[]][] = [
      ["sqlite", browsers],
      ["mysql", shared("mysql")],
    ];
    await Promise.all(
      first.map(async ([pass, files], i) => {
        const started = Date.now();
        const tag = `[${pass} ${i + 1}] `;
        if (files.length) await runStep(pass, files, `${pass} pass, ${pass === "sqlite" ? "the browser suites" : "every suite"}, lane ${i + 1}`, tag);
        while (queue.length) {
          // Guided: a share of what is left, so the last runs are single suites.
          const take = queue.splice(0, Math.ceil(queue.length / (2 * first.length)));
          await runStep("sqlite", take, `sqlite pass, ${take.length} more suite${take.length === 1 ? "" : "s"}, lane ${i + 1}`, `[sqlite ${i + 1}] `);
        }
        lanes[i] = Math.round((Date.now() - started) / 1000);
      }),
    );
  }
  for (const pass of opts.passes) {
    const files = together ? passFiles(pass).filter((f) => ALONE.has(f)) : passFiles(pass);
    if (files.length) await runStep(pass, files, `${pass} pass${together ? ", the suites that run alone" : ""}`);
  }
  // After Ctrl-C the signal's handler stops what runs, cleans up and exits: nothing more to report.
  if (stopping) return new Promise<never>(() => {});
  for (const pass of opts.passes) {
    const ofPass = steps.filter((s) => s.pass === pass);
    if (ofPass.length) results.push(passLine(pass, ofPass));
  }
  if (lanes.length) results.push(`lanes: ${lanes.map((s, i) => `${i + 1} took ${s} s`).join(", ")}`);

  await cleanup();
  console.log("\n== summary");
  for (const line of results) console.log(line);
  for (const [name, a] of avail) {
    if (a.ok) continue;
    const prefix = name === "mysql" ? "MariaDB unavailable" : name === "redis" ? "Redis unavailable" : "Chromium unavailable";
    const n = [...skipped].filter(([reason]) => reason.startsWith(prefix)).reduce((sum, [, k]) => sum + k, 0);
    console.log(`${LABEL[name]} suites skipped (${n} suites and tests): ${a.reason} — ${a.fix}`);
  }
  for (const p of provisioned) console.log(`${LABEL[p.name]}: the throwaway server at ${p.url} is stopped and ${p.dir} removed`);
  console.log(`${failed ? "FAILED" : "passed"} in ${Math.round((Date.now() - started) / 1000)} s`);
  const commit = cleanCommit();
  if (!failed && isComplete(opts) && [...avail.values()].every((a) => a.ok) && commit) {
    mkdirSync(path.dirname(STAMP), { recursive: true });
    writeFileSync(STAMP, JSON.stringify({ commit, at: new Date().toISOString(), results }));
  }
  return failed ? 1 : 0;
}

interface StepResult {
  pass: Pass;
  files: number;
  code: number;
  failures: Map<string, string[]>;
  /** Its seconds by file (scripts/test/timings.mjs). */
  timings: string;
  seconds: number;
}

/** Every file's seconds in the given timings files (a file in two of them: its longest). */
function readTimings(files: string[]): Map<string, number> {
  const seconds = new Map<string, number>();
  for (const file of files) {
    try {
      for (const [f, s] of Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, number>)) seconds.set(f, Math.max(s, seconds.get(f) ?? 0));
    } catch {
      // missing (the step ran no file) or cut short
    }
  }
  return seconds;
}

/**
 * How long a file is expected to take, to start the slowest first: its seconds in the last run
 * here, else its size (a fresh clone has no last run; a long suite is mostly a long file).
 */
function weight(file: string, last: Map<string, number>): number {
  return last.get(file) ?? statSync(path.join(ROOT, file)).size / 1000;
}

/** Whether a suite drives a browser (a Chromium of its own, or Firefox or WebKit). */
function needsBrowser(file: string): boolean {
  return /playwright-core|puppeteer-core|webdriverio|helpers\/browser\.js/.test(readFileSync(path.join(ROOT, file), "utf8"));
}

/** "sqlite pass: passed (229 suites, 3,526 s in 9 runs; slowest: a 120 s, ...)", and each failure's why. */
function passLine(pass: Pass, steps: StepResult[]): string {
  const files = steps.reduce((n, s) => n + s.files, 0);
  const seconds = Math.round(steps.reduce((n, s) => n + s.seconds, 0));
  const named = [...readTimings(steps.map((s) => s.timings))]
    .sort((a, b) => b[1] - a[1])
    .slice(0, SLOWEST_SHOWN)
    .map(([f, s]) => `${path.basename(f)} ${s} s`);
  const took = `(${files} suite${files === 1 ? "" : "s"}, ${seconds} s${steps.length > 1 ? ` in ${steps.length} runs` : ""}${named.length > 1 ? `; slowest: ${named.join(", ")}` : ""})`;
  const failures = steps.flatMap((s) => [...s.failures]);
  if (steps.every((s) => s.code === 0)) return `${pass} pass: passed ${took}`;
  return [`${pass} pass: FAILED ${took}`, ...failures.flatMap(([name, why]) => [`  ✖ ${name}`, ...why.map((w) => `      ${w}`)])].join("\n");
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** `dir/*.test.ts` -> the files it names, sorted (no shell between us and node --test). */
function expand(glob: string): string[] {
  const dir = path.dirname(glob);
  const suffix = path.basename(glob).replace(/^\*/, "");
  if (!existsSync(path.join(ROOT, dir))) return [];
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const code = await main().catch((err: unknown) => {
  console.error(err);
  return 1;
});
await cleanup();
process.exit(code);
