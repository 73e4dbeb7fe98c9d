import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ejabberdPreflight, findEjabberdctl } from "../bench/ejabberd.js";
import { bodyOf, errorCondition, isErrorStanza } from "../bench/xmpp.js";

// `npm run bench -- --peer ejabberd` (server/bench/ejabberd.ts) skips the peer with one line when
// ejabberd or what it needs is not installed, and never installs anything. Checked here without
// ejabberd and without running a scenario; the peer itself is measured by the bench.

const ROOT = path.resolve(import.meta.dirname, "../..");
let tmp = "";
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "parley-bench-ejabberd-test-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A stand-in for the package: an ejabberdctl script naming its ERL_LIBS, and the release directories. */
function fakeInstall(name: string, parts: { release?: boolean; driver?: boolean }): { ctl: string; schema: string; lib: string } {
  const dir = path.join(tmp, name);
  const lib = path.join(dir, "lib");
  mkdirSync(path.join(dir, "sbin"), { recursive: true });
  if (parts.release) mkdirSync(path.join(lib, "ejabberd-99.01-1/ebin"), { recursive: true });
  if (parts.driver) mkdirSync(path.join(lib, "p1_mysql-1.0.0/ebin"), { recursive: true });
  const ctl = path.join(dir, "sbin/ejabberdctl");
  writeFileSync(ctl, `#!/bin/sh\nINSTALLUSER=\nERL_LIBS='${lib}'\nexit 1\n`);
  chmodSync(ctl, 0o755);
  const schema = path.join(dir, "mysql.sql");
  writeFileSync(schema, "CREATE TABLE users (username varchar(191) PRIMARY KEY, password text NOT NULL);\n");
  return { ctl, schema, lib };
}

describe("finding ejabberd", () => {
  test("an override that points nowhere is not found, and says so", () => {
    const r = findEjabberdctl({ override: path.join(tmp, "nowhere/ejabberdctl") });
    assert.ok("missing" in r);
    assert.match(r.missing, /PARLEY_BENCH_EJABBERDCTL=.*nowhere\/ejabberdctl is not an executable file/);
  });

  test("nothing on PATH and no other directory: not found", () => {
    const empty = path.join(tmp, "empty-bin");
    mkdirSync(empty, { recursive: true });
    const r = findEjabberdctl({ pathEnv: empty, dirs: [] });
    assert.deepEqual(r, { missing: "ejabberdctl not found (looked on PATH and in no other directory)" });
    // A file that is not executable does not count.
    writeFileSync(path.join(empty, "ejabberdctl"), "#!/bin/sh\n");
    assert.ok("missing" in findEjabberdctl({ pathEnv: empty, dirs: [] }));
  });

  test("an executable ejabberdctl on PATH is found", () => {
    const { ctl } = fakeInstall("on-path", {});
    assert.deepEqual(findEjabberdctl({ pathEnv: `${path.join(tmp, "nowhere")}:${path.dirname(ctl)}`, dirs: [] }), { path: ctl });
  });

  test("the preflight names what is missing, one line each, and how to install it", () => {
    const empty = path.join(tmp, "empty-bin");
    const none = ejabberdPreflight({ PATH: empty }, { ctlDirs: [], erlangLib: path.join(tmp, "no-erlang") });
    assert.ok("missing" in none);
    assert.match(none.missing, /^ejabberdctl not found .*apt-get install ejabberd erlang-p1-mysql$/);
    assert.doesNotMatch(none.missing, /\n/);

    const noRelease = fakeInstall("no-release", {});
    const r1 = ejabberdPreflight({ PARLEY_BENCH_EJABBERDCTL: noRelease.ctl }, { erlangLib: path.join(tmp, "no-erlang") });
    assert.ok("missing" in r1);
    assert.match(r1.missing, /Erlang release not found/);

    const noDriver = fakeInstall("no-driver", { release: true });
    const r2 = ejabberdPreflight({ PARLEY_BENCH_EJABBERDCTL: noDriver.ctl }, { erlangLib: path.join(tmp, "no-erlang") });
    assert.ok("missing" in r2);
    assert.equal(r2.missing, "ejabberd 99.01-1: its MySQL driver p1_mysql is not installed (Debian: apt-get install erlang-p1-mysql)");

    const all = fakeInstall("complete", { release: true, driver: true });
    const r3 = ejabberdPreflight({ PARLEY_BENCH_EJABBERDCTL: all.ctl, PARLEY_BENCH_EJABBERD_SCHEMA: all.schema }, { erlangLib: path.join(tmp, "no-erlang") });
    assert.deepEqual(r3, { install: { ctl: all.ctl, version: "99.01-1", schema: all.schema, installUser: null } });
  });
});

describe("npm run bench -- --peer ejabberd, skipped", () => {
  /** The bench with no scenario (`--only none`): only the peer's checks run. */
  async function bench(env: Record<string, string>): Promise<{ code: number | null; stdout: string; json: Record<string, any> }> {
    const out = path.join(tmp, `bench-${Math.random().toString(36).slice(2)}.json`);
    const child = spawn(process.execPath, ["--import", "tsx", "server/bench/run.ts", "--quick", "--only", "none", "--peer", "ejabberd", "--out", out], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stdout, json: JSON.parse(readFileSync(out, "utf8")) };
  }

  test("without the binary: one line in the output and in the JSON, exit 0", async () => {
    const r = await bench({ PARLEY_BENCH_EJABBERDCTL: path.join(tmp, "nowhere/ejabberdctl") });
    assert.equal(r.code, 0, r.stdout);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("Peer ejabberd: SKIPPED: "));
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0]!, /nowhere\/ejabberdctl is not an executable file; Debian: apt-get install ejabberd erlang-p1-mysql$/);
    assert.equal(r.json["peer"].name, "ejabberd");
    assert.match(r.json["peer"].skipped, /is not an executable file/);
    assert.ok((r.json["skipped"] as string[]).some((s) => s.startsWith("ejabberd (")));
    assert.equal(r.json["ladders"]["1:1 messages|ejabberd"], undefined);
  });

  test("with MariaDB unreachable: skipped, said so", async () => {
    const all = fakeInstall("for-bench", { release: true, driver: true });
    const r = await bench({
      PARLEY_BENCH_EJABBERDCTL: all.ctl,
      PARLEY_BENCH_EJABBERD_SCHEMA: all.schema,
      // Port 9 (discard): nothing listens there.
      PARLEY_BENCH_MYSQL_URL: "mysql://root:secret@127.0.0.1:9",
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^Peer ejabberd: SKIPPED: MariaDB at mysql:\/\/root:\*\*\*@127\.0\.0\.1:9 is unreachable/m);
    assert.doesNotMatch(r.stdout, /secret/);
    assert.match(r.json["peer"].skipped, /unreachable/);
  });
});

describe("the XMPP client's frame helpers", () => {
  // Frames as ejabberd 23.01 sends them.
  const delivered =
    "<message xmlns='jabber:client' xml:lang='en' to='u1@bench.localhost' from='u0@bench.localhost/b' type='chat'><archived by='u1@bench.localhost' id='1795619987500377' xmlns='urn:xmpp:mam:tmp'/><stanza-id by='u1@bench.localhost' id='1795619987500377' xmlns='urn:xmpp:sid:0'/><body>t1|1795619987493.25</body></message>";
  const refused =
    "<message xmlns='jabber:client' xml:lang='en' to='u0@bench.localhost/b' from='nobody@bench.localhost' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error><body>t1|1795619987493</body></message>";

  test("a delivery's body, an error's condition", () => {
    assert.equal(bodyOf(delivered), "t1|1795619987493.25");
    assert.equal(isErrorStanza(delivered), false);
    assert.equal(isErrorStanza(refused), true);
    assert.equal(errorCondition(refused), "service-unavailable");
    assert.equal(bodyOf("<presence/>"), null);
  });
});
