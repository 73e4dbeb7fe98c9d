/**
 * Parley benchmark: `npm run bench` (full) or `npm run bench -- --quick`.
 * Options: --quick, --out <file.json>, --only <scenario,...> (one-to-one,typing,group,group-online,idle,history,sync,search,login; and
 * fanout, only when named: Redis bytes and CPU per message by topology and node count, see fanout.ts;
 * calls, only when named: a group call's signalling through a Janus of its own, see calls.ts),
 * --db <sqlite,mysql>, --rates <n,...>, --big-group <n> (the big group row's size: 5,000 full, 500 quick),
 * --peer ejabberd, --db-latency <ms> (Parley's MariaDB round trips made this much slower, db-latency.ts),
 * --loop-lag (each 1:1 step also says how long Parley's thread stood still and how many commits took
 * over 50 ms, from its /metrics: harness/server-waits.ts), --relay-journal (the relay again, appending
 * each send to a SQLite journal before its ack, bare and with two indexes: the floor of a durable send),
 * --statement-times (Parley/SQLite's time in each SQLite statement, summed: statement-times.ts).
 * Starts everything it measures as child processes on
 * 127.0.0.1: Parley on SQLite and on MariaDB (root@127.0.0.1:3306, a throwaway database), a bare Socket.IO
 * relay, and with --peer ejabberd the distribution's ejabberd (ejabberd.ts: its archive on the same MariaDB,
 * driven over XMPP websockets by the same workers; 1:1 ladder only; skipped with a note when not installed).
 * Prints one table, the Parley/relay (and ejabberd/relay) ratios, and writes a JSON file. Figures are
 * reported, not asserted.
 *
 * This file is the entry: which scenarios run, in which order, and the report (table, ratio lines,
 * JSON). The shared harness is in harness/ (options.ts: flags and sizes; processes.ts: the servers;
 * load.ts: the workers and the measuring step; measure.ts: clock, CPU, memory, percentiles;
 * report.ts: rows, table, ratios); one module per scenario in scenarios/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCalls } from "./calls.js";
import { fanoutTable, runFanout, type FanoutRow } from "./fanout.js";
import { Worker } from "./harness/load.js";
import { log, now, ulimitN } from "./harness/measure.js";
import { DB_LATENCY_MS, DBS, flag, LOOP_LAG, MYSQL_ADMIN, ONLY, PEER, QUICK, RELAY_JOURNAL, SIZE, STATEMENT_TIMES, WORKERS, want } from "./harness/options.js";
import { killAll, mysqlAvailable, PARLEY_FROM, ROOT, startParley, startRelay, statementTimes } from "./harness/processes.js";
import { ladders, ratios, rows, table } from "./harness/report.js";
import { historyScenarios } from "./scenarios/history.js";
import { groupOnlineScenario } from "./scenarios/group-online.js";
import { idleScenario } from "./scenarios/idle.js";
import { loginScenario } from "./scenarios/login.js";
import { type PeerInfo, runPeer } from "./scenarios/peer.js";
import { realtimeScenarios } from "./scenarios/realtime.js";
import { searchScenarios } from "./scenarios/search.js";
import { syncScenarios } from "./scenarios/sync.js";

async function main(): Promise<void> {
  const started = now();
  const mode = QUICK ? "quick" : "full";
  log(`mode ${mode}; ${os.cpus().length} CPUs; ulimit -n ${ulimitN()}; sizes ${JSON.stringify(SIZE)}`);
  if (Number(ulimitN()) < SIZE.idle + 1000) log(`WARNING: ulimit -n ${ulimitN()} may be too low for ${SIZE.idle} sockets (server needs one fd each)`);
  const workers = Array.from({ length: WORKERS }, (_, i) => new Worker(i));
  let fanout: FanoutRow[] = [];
  // The peer needs MariaDB too (its archive and users), whatever --db says.
  const mysqlUp = DBS.includes("mysql") || PEER ? await mysqlAvailable() : false;
  const dbs = DBS.includes("mysql") && !mysqlUp ? DBS.filter((d) => d !== "mysql") : DBS;
  const skipped: string[] = DBS.filter((d) => !dbs.includes(d));
  /** What the JSON says of the peer (`--peer`): version, database, generated config; or why it was skipped. */
  let peerInfo: PeerInfo | null = null;
  try {
    if (want("one-to-one") || want("typing") || want("group")) {
      // With --relay-journal, the relay's 1:1 ladder again with each send journaled first.
      for (const journal of RELAY_JOURNAL && want("one-to-one") ? (["none", "journal", "indexed"] as const) : (["none"] as const)) {
        const relay = await startRelay(journal);
        try {
          await realtimeScenarios(workers, relay, journal !== "none");
        } finally {
          await relay.stop();
        }
      }
    }
    for (const db of dbs) {
      const t = await startParley(db);
      try {
        if (want("one-to-one") || want("typing") || want("group")) await realtimeScenarios(workers, t);
        if (want("history")) await historyScenarios(t);
        if (want("sync")) await syncScenarios(t);
        if (want("search")) await searchScenarios(t);
        if (want("group-online")) await groupOnlineScenario(workers, t);
      } finally {
        await t.stop();
      }
    }
    if (PEER === "ejabberd") {
      peerInfo = await runPeer(workers, mysqlUp);
      if (peerInfo.skipped) skipped.push(`ejabberd (${peerInfo.skipped})`);
    }
    if (want("idle")) await idleScenario(workers);
    if (want("login")) await loginScenario();
    // Named only: it starts a Janus of its own (as root, for its loopback veth).
    if (ONLY?.includes("calls")) {
      const why = await runCalls({ quick: QUICK });
      if (why) skipped.push(why);
    }
    // Named only: it starts a Redis, a 6-server Redis Cluster and up to 4 nodes per row.
    if (ONLY?.includes("fanout")) {
      if (dbs.includes("mysql")) fanout = await runFanout({ mysqlAdmin: MYSQL_ADMIN, quick: QUICK, log });
      else skipped.push("fanout (needs MariaDB)");
    }
  } finally {
    await Promise.all(workers.map((w) => w.call({ cmd: "exit" }, 5000).catch(() => undefined)));
    killAll();
  }
  const elapsed = (now() - started) / 1000;
  const r = ratios();
  const date = new Date().toISOString();
  const header = `Parley benchmark (${mode}${DB_LATENCY_MS > 0 ? `, MariaDB round trips +${DB_LATENCY_MS} ms` : ""}) ${date} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}, node ${process.version}, Parley from its ${PARLEY_FROM}, ulimit -n ${ulimitN()}, ${elapsed.toFixed(0)} s${peerInfo?.version ? `; peer ejabberd ${peerInfo.version}` : ""}${skipped.length ? `; SKIPPED: ${skipped.join(",")}` : ""}`;
  process.stdout.write(`\n${header}\n\n${table()}\n\n${r.lines.join("\n")}\n`);
  if (peerInfo?.skipped) process.stdout.write(`Peer ejabberd: SKIPPED: ${peerInfo.skipped}\n`);
  if (fanout.length) process.stdout.write(`\nFan-out by topology (1:1 messages across nodes):\n\n${fanoutTable(fanout)}\n`);
  const out = flag("--out") ?? path.join(ROOT, "server/bench/results", `${date.slice(0, 19).replace(/:/g, "-")}${QUICK ? "-quick" : ""}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        date,
        mode,
        elapsedSec: elapsed,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: os.totalmem() / 2 ** 30, node: process.version, ulimitN: ulimitN() },
        server: PARLEY_FROM,
        sizes: SIZE,
        // What the server was run with that changes its figures: the database link's added delay, and its writers.
        // loopLag: /metrics was on in Parley (its HTTP timings and the event-loop monitor cost a little).
        settings: {
          dbLatencyMs: DB_LATENCY_MS,
          databaseWriters: process.env["DATABASE_WRITERS"] ?? "default",
          loopLag: LOOP_LAG,
          relayJournal: RELAY_JOURNAL,
          statementTimes: STATEMENT_TIMES,
        },
        skipped,
        rows,
        ladders,
        ratios: r.data,
        fanout,
        ...(peerInfo ? { peer: peerInfo } : {}),
        ...(statementTimes.length ? { statementTimes } : {}),
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nJSON: ${path.relative(process.cwd(), out)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
