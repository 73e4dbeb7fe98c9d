/**
 * A group coming online (`--only group-online`; issue 56): SIZE.onlineGroupMembers members of one
 * group (1,500 full, 200 quick) connect at once, twice: with the app's presence group size left
 * at the server's (100: the group's presence is on request, presence.watch) and set above the
 * group's size (pushed: each member is told everyone's presence and told to everyone, n²). Printed:
 * the time until the last socket connected and the last presence frame arrived, the presence
 * entries each member received, and the server's CPU. Parley only: the relay and ejabberd have
 * no presence of this kind.
 */
import { APP_WATCH_INTERVAL_MS } from "../../src/ops/app-watch.js";
import { type Db, seedGroup, seedUsers } from "../seed.js";
import { connectClients, disconnectAll, type Worker } from "../harness/load.js";
import { DB_PID, log, sampler, sleep, waitQuiet } from "../harness/measure.js";
import { JWT_SECRET, QUICK, SIZE, WORKERS } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { addRow, connectFailedRow } from "../harness/report.js";

export async function groupOnlineScenario(workers: Worker[], target: Target): Promise<void> {
  if (target.kind !== "parley" || !target.db || !target.appId) return;
  const size = SIZE.onlineGroupMembers;
  const db = target.db;
  const busy = [target.pid, ...workers.map((w) => w.child.pid!), ...(target.dbCpu && DB_PID ? [DB_PID] : [])];
  const members = await seedUsers(db, target.appId, size, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "online" });
  await seedGroup(
    db,
    target.appId,
    `Coming online (${size})`,
    members.map((u) => u.id),
  );
  const clients = members.map((u) => ({ userId: u.id, token: u.token }));
  for (const [how, groupMax] of [
    ["on request", null],
    ["pushed to all", size],
  ] as const) {
    await setGroupMax(db, target.appId, groupMax);
    await Promise.all(workers.map((w) => w.call({ cmd: "presence" })));
    const t0 = Date.now();
    const smp = sampler(target.pid);
    const conn = await connectClients(workers, target.url, clients, (i) => i % WORKERS);
    const connectedMs = Date.now() - t0;
    if (conn.failed > 0) {
      smp.stop();
      connectFailedRow(target, `${size} sockets (group coming online)`, conn.ok, size, conn.error);
      await disconnectAll(workers);
      return;
    }
    // Done when the server has nothing left to send: quiet, then the last presence frame's time.
    await waitQuiet(busy, QUICK ? 30_000 : 180_000);
    const cpu = smp.stop();
    const got = await Promise.all(workers.map((w) => w.call<{ entries: number; lastAt: number }>({ cmd: "presence" })));
    const entries = got.reduce((a, g) => a + g.entries, 0);
    const lastAt = Math.max(...got.map((g) => g.lastAt));
    const onlineMs = Math.max(connectedMs, lastAt > 0 ? lastAt - t0 : 0);
    // Pushed, every member is told of the others: far fewer entries means the size did not apply.
    const asSet = groupMax === null || entries >= size;
    log(
      `${target.name}: group of ${size} coming online (presence ${how}): connected in ${(connectedMs / 1000).toFixed(1)} s, last presence at ${(onlineMs / 1000).toFixed(1)} s, ${entries} presence entries`,
    );
    addRow({
      scenario: `Group of ${size} coming online (presence ${how})`,
      target: target.name,
      load: `${size} sockets at once`,
      throughput: `${(size / (onlineMs / 1000)).toFixed(0)} members/s`,
      p50: null,
      p95: null,
      p99: null,
      serverCpuPct: cpu.cpuPct,
      serverMainCpuPct: cpu.mainCpuPct,
      serverRssMb: cpu.rssMb,
      genCpuPct: null,
      delivered: `${(entries / size).toFixed(1)} presence entries/member`,
      result: asSet
        ? `online in ${(onlineMs / 1000).toFixed(1)} s`
        : `NOT MEASURED: presence was not pushed (${entries} entries; the server kept its group size)`,
      extra: { connectedMs, onlineMs, presenceEntries: entries, entriesPerMember: entries / size, groupMax },
    });
    await disconnectAll(workers);
    // Each member's going offline comes after the presence grace (5 s): waited out, so the next
    // round (and scenario) starts from nobody online.
    await sleep(5500);
    await waitQuiet(busy, QUICK ? 10_000 : 60_000);
  }
  await setGroupMax(db, target.appId, null);
}

/**
 * The app's presence group size, set as the CLI sets an app (another process): with a new
 * `updatedAt`, which the server's app watch (ops/app-watch.ts) notices at its next poll and drops
 * its cached copy. Without it the server kept the size it had cached (for up to 30 s), and the
 * "pushed to all" round ran on request.
 */
async function setGroupMax(db: Db, appId: string, groupMax: number | null): Promise<void> {
  await db.exec(`UPDATE ${db.q("apps")} SET ${db.q("presenceGroupMax")} = ?, ${db.q("updatedAt")} = ? WHERE ${db.q("id")} = ?`, [groupMax, Date.now(), appId]);
  await sleep(APP_WATCH_INTERVAL_MS + 1000);
}
