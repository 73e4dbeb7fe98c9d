/**
 * Idle sockets and the reconnect storm (`--only idle`): what an authenticated socket costs Parley
 * against a bare relay socket, then all of Parley's idle clients coming back at once to catch up.
 */
import { seedDms, seedUsers } from "../seed.js";
import type { ClientSpec } from "../worker.js";
import { connectClients, disconnectAll, type Worker } from "../harness/load.js";
import { log, rssMb, sampler, sleep, ulimitN } from "../harness/measure.js";
import { JWT_SECRET, QUICK, SIZE, WORKERS } from "../harness/options.js";
import { startParley, startRelay, type Target } from "../harness/processes.js";
import { addRow, idleData, idleLines } from "../harness/report.js";

/** SIZE.idle sockets on Parley/SQLite, then its reconnect storm, then as many on the relay; the memory ratio line. */
export async function idleScenario(workers: Worker[]): Promise<void> {
  const k = SIZE.idle;
  const target = await startParley("sqlite");
  let parley: IdleFigures;
  try {
    const seeded = await seedUsers(target.db!, target.appId!, k, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "idle" });
    // Each in one DM (a room per socket, as a real user has): the storm below sends into them.
    const pairs = Array.from({ length: Math.floor(k / 2) }, (_, i): [string, string] => [seeded[2 * i]!.id, seeded[2 * i + 1]!.id]);
    const dms = await seedDms(target.db!, target.appId!, pairs);
    const clients = seeded.map((u) => ({ userId: u.id, token: u.token }));
    parley = await idleSockets(workers, target, clients);
    await reconnectStorm(
      workers,
      target,
      clients,
      dms.map((id, i) => ({ id, sender: seeded[2 * i]! })),
    );
  } finally {
    await target.stop();
  }
  // The relay at the same count: what a socket costs with no sessions, rooms of its own or auth.
  const relay = await startRelay();
  try {
    const r = await idleSockets(
      workers,
      relay,
      Array.from({ length: k }, (_, i) => ({ userId: `idle${i}`, rooms: [`idle${i}`] })),
    );
    const ratio = parley.perSocketKb / r.perSocketKb;
    idleLines.push(
      `Idle sockets (${k}): Parley/SQLite / relay: memory per socket ${ratio.toFixed(2)}x (${parley.perSocketKb.toFixed(1)} KB vs ${r.perSocketKb.toFixed(1)} KB); connects ${parley.connPerSec.toFixed(0)} vs ${r.connPerSec.toFixed(0)}/s`,
    );
    idleData.push({ scenario: `Idle sockets (${k})`, target: target.name, perSocketKbRatio: ratio, parleyKb: parley.perSocketKb, relayKb: r.perSocketKb });
  } finally {
    await relay.stop();
  }
}

/**
 * Every idle client was away (all sockets closed) while one message was sent into each DM; then
 * all of them come back at once, each connecting and paging /v1/sync from the cursor it held, as
 * the SDK does. Time until the last one has caught up; every client must have found its DM's
 * message exactly once (nothing lost, nothing twice).
 */
async function reconnectStorm(workers: Worker[], target: Target, clients: ClientSpec[], dms: { id: string; sender: { token: string } }[]): Promise<void> {
  const k = clients.length;
  const auth = { authorization: `Bearer ${clients[0]!.token}` };
  const head = (await fetch(`${target.url}/v1/sync/head`, { headers: auth }).then((r) => r.json())) as { lastSeq: number };
  // While everyone is away: one message into each DM, over REST, 50 at a time.
  let next = 0;
  let sendFailures = 0;
  const lane = async (): Promise<void> => {
    while (next < dms.length) {
      const dm = dms[next++]!;
      const r = await fetch(`${target.url}/v1/conversations/${dm.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${dm.sender.token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "while you were away" }),
      });
      if (r.status !== 201) sendFailures++;
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  const smp = sampler(target.pid);
  const conn = await connectClients(workers, target.url, clients, (i) => i % WORKERS, { concurrency: 500, catchUpSince: head.lastSeq });
  const srv = smp.stop();
  const caught = conn.catchUp ?? [];
  const done = caught.reduce((a, c) => a + c.done, 0);
  const duplicates = caught.reduce((a, c) => a + c.duplicates, 0);
  const retries = caught.reduce((a, c) => a + c.retries, 0);
  const retryCause = caught.find((c) => c.lastRetryError)?.lastRetryError;
  if (retries > 0) log(`${target.name}: reconnect storm: ${retries} connects or pages tried again after a backoff (the last because: ${retryCause})`);
  // In a DM's pair both find the one message (the sender's own event is in their log too).
  const inPairs = Math.floor(k / 2) * 2;
  const counts = caught.flatMap((c) => c.perClient);
  const wrong = Math.abs(counts.filter((n) => n === 1).length - inPairs) + counts.filter((n) => n > 1).length;
  const ok = conn.ok === k && done === k && duplicates === 0 && wrong === 0 && sendFailures === 0;
  addRow({
    scenario: `Reconnect storm (${k})`,
    target: target.name,
    load: `${k} at once, ${dms.length} missed messages`,
    throughput: `${(conn.ok / (conn.ms / 1000)).toFixed(0)} conn/s`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: srv.cpuPct,
    serverMainCpuPct: srv.mainCpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${done}/${k} caught up`,
    result: `${ok ? `all in ${(conn.ms / 1000).toFixed(1)} s` : `FAIL ${wrong} wrong, ${duplicates} twice, ${sendFailures} sends failed ${conn.error ?? ""}`}, ${retries} retries`,
    extra: { storm: { ms: conn.ms, caughtUp: done, duplicates, wrong, sendFailures, since: head.lastSeq, retries, retryCause } },
  });
  await disconnectAll(workers);
}

interface IdleFigures {
  perSocketKb: number;
  connPerSec: number;
}

/** RSS added per socket once `clients` are connected to `target` (after a warm-up and a settle pause), as a row. */
async function idleSockets(workers: Worker[], target: Target, clients: ClientSpec[]): Promise<IdleFigures> {
  const k = clients.length;
  // Warm the server (JIT, pools) with a few sockets first, then measure a clean baseline.
  await connectClients(workers, target.url, clients.slice(0, 20), (i) => i % WORKERS);
  await disconnectAll(workers);
  await sleep(QUICK ? 1000 : 1500);
  const before = rssMb(target.pid);
  const smp = sampler(target.pid);
  const conn = await connectClients(workers, target.url, clients, (i) => i % WORKERS);
  const srv = smp.stop();
  await sleep(QUICK ? 1500 : 3000);
  const after = rssMb(target.pid);
  const perSocketKb = ((after - before) * 1024) / Math.max(1, conn.ok);
  const connPerSec = conn.ok / (conn.ms / 1000);
  addRow({
    scenario: `Idle sockets (${k})`,
    target: target.name,
    load: `${k} ${target.kind === "parley" ? "authenticated" : "connected"}`,
    throughput: `${connPerSec.toFixed(0)} conn/s`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: srv.cpuPct,
    serverMainCpuPct: srv.mainCpuPct,
    serverRssMb: after,
    genCpuPct: null,
    delivered: `${conn.ok}/${k} connected`,
    result: conn.ok === k ? `${perSocketKb.toFixed(1)} KB/socket` : `FAIL ${conn.error ?? ""}`,
    extra: { rssBeforeMb: before, rssAfterMb: after, perSocketKb, connectMs: conn.ms, ulimitN: ulimitN() },
  });
  await disconnectAll(workers);
  return { perSocketKb, connPerSec };
}
