/**
 * Group fan-out (`--only group`): one sender into a group of SIZE.groupMembers, ten smaller groups
 * at once, and the big group of SIZE.bigGroupMembers on sockets connected for that row only.
 */
import { seedGroup, seedMemberships, seedUsers } from "../seed.js";
import { connectClients, connectReported, disconnectAll, step, type Worker } from "../harness/load.js";
import { DB_PID, log, now, pct, sampler, sleep, waitQuiet } from "../harness/measure.js";
import { JWT_SECRET, QUICK, SIZE, WORKERS } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { addRow, connectFailedRow } from "../harness/report.js";

/** One sender at 10 msg/s into a group of `size`; every other member's socket should get each message. */
export async function groupRow(
  workers: Worker[],
  target: Target,
  size: number,
  sender: { w: number; idx: number; conv: string }[],
  extra?: Record<string, unknown>,
): Promise<void> {
  const { c, srv, dbCpuPct, genCpuPct, sendWallMs } = await step(workers, target, "message", sender, 10, SIZE.groupSecs * 1000, size - 1);
  const expected = c.sent * (size - 1);
  addRow({
    scenario: `Group fan-out (${size} members)`,
    target: target.name,
    load: "10 msg/s",
    throughput: `${(c.received / (sendWallMs / 1000)).toFixed(0)} deliv/s`,
    p50: pct(c.lat, 50),
    p95: pct(c.lat, 95),
    p99: pct(c.lat, 99),
    serverCpuPct: srv.cpuPct,
    serverMainCpuPct: srv.mainCpuPct,
    dbCpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct,
    delivered: `${c.received}/${expected} (${((c.received / Math.max(1, expected)) * 100).toFixed(1)}%)`,
    result: c.received >= expected && c.ackErr === 0 ? "OK" : "FAIL",
    ...(extra ? { extra } : {}),
  });
}

/** Ten groups of `smallSize` at once, member 0 of each (`senders`) at 10 msg/s: 100 msg/s in all. */
export async function smallGroupsRow(workers: Worker[], target: Target, smallSize: number, senders: { w: number; idx: number; conv: string }[]): Promise<void> {
  const r = await step(workers, target, "message", senders, 100, SIZE.groupSecs * 1000, smallSize - 1);
  const expectedSmall = r.c.sent * (smallSize - 1);
  addRow({
    scenario: `Group fan-out (10 groups of ${smallSize})`,
    target: target.name,
    load: "10 x 10 msg/s",
    throughput: `${(r.c.received / (r.sendWallMs / 1000)).toFixed(0)} deliv/s`,
    p50: pct(r.c.lat, 50),
    p95: pct(r.c.lat, 95),
    p99: pct(r.c.lat, 99),
    serverCpuPct: r.srv.cpuPct,
    serverMainCpuPct: r.srv.mainCpuPct,
    dbCpuPct: r.dbCpuPct,
    serverRssMb: r.srv.rssMb,
    genCpuPct: r.genCpuPct,
    delivered: `${r.c.received}/${expectedSmall} (${((r.c.received / Math.max(1, expectedSmall)) * 100).toFixed(1)}%)`,
    result: r.c.received >= expectedSmall && r.c.ackErr === 0 ? "OK" : "FAIL",
  });
}

/**
 * Issue 34's goal: one group of SIZE.bigGroupMembers (5,000) at 10 msg/s, every member's socket
 * getting each message, p99 <= 100 ms. Its members are seeded and connected for this row only
 * (after the other realtime rows' sockets are gone) and disconnected after it. Parley caps a group
 * at MESSAGE_LIMITS.groupMembersMax (1,000) through its API: this one is written to the database.
 *
 * Parley: a member coming online is told the presence of the whole group (a 5,000-entry snapshot)
 * and the group is told theirs (one frame to every online member): n^2/2 frames for everyone to
 * come online, which took 29 s of one saturated core at 1,500 members, and had not finished after
 * 5 minutes at 5,000, on the 2-core bench machine. That is not what this row measures, so each
 * member comes online first with a socket of their own while in no conversation (nobody to tell);
 * then, a tenth of the members at a time, their membership is written and they connect the socket
 * that is measured: it joins the group's room at its handshake, and its user being online already,
 * nobody is told. Each still gets the snapshot of the members written so far (by tenths: half the
 * bytes of 5,000 snapshots of 5,000). The first sockets, in no room, get nothing. The connect times
 * are logged and kept in the JSON; the row is measured once the server and workers are quiet again.
 */
export async function bigGroupScenario(workers: Worker[], target: Target): Promise<void> {
  const size = SIZE.bigGroupMembers;
  const busy = [target.pid, ...workers.map((w) => w.child.pid!), ...(target.dbCpu && DB_PID ? [DB_PID] : [])];
  const assign = (i: number): number => i % WORKERS;
  const t0 = now();
  /** The sender (member 0): its measured socket, on its worker after that worker's first sockets. */
  let sender: { w: number; idx: number } | null = null;
  let failed = 0;
  let onlineMs: number | null = null;
  let conv: string;
  let connectMs: number;
  let connectCpuPct: number;
  if (target.kind === "parley") {
    const members = await seedUsers(target.db!, target.appId!, size, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "big" });
    const clients = members.map((u) => ({ userId: u.id, token: u.token }));
    const online = await connectReported(workers, target, clients, assign);
    onlineMs = online.ms;
    const held = workers.map((_, w) => online.local.filter((l) => l.w === w).length);
    if (online.failed > 0) {
      await disconnectAll(workers);
      return;
    }
    const tenth = Math.ceil(size / 10);
    conv = "";
    const smp = sampler(target.pid);
    const c0 = now();
    for (let from = 0; from < size; from += tenth) {
      const ids = members.slice(from, from + tenth).map((u) => u.id);
      if (from === 0) conv = await seedGroup(target.db!, target.appId!, `Big group (${size})`, ids);
      else await seedMemberships(target.db!, target.appId!, ids, [conv]);
      const part = await connectClients(workers, target.url, clients.slice(from, from + tenth), assign);
      failed += part.failed;
      if (part.error) log(`${target.name}: big group: ${part.failed} sockets failed to connect (first error: ${part.error})`);
      if (from === 0) sender = { w: part.local[0]!.w, idx: held[part.local[0]!.w]! + part.local[0]!.idx };
      for (const l of part.local) held[l.w]!++;
    }
    connectMs = now() - c0;
    connectCpuPct = smp.stop().cpuPct;
  } else {
    conv = "big";
    const clients = Array.from({ length: size }, (_, i) => ({ userId: `big${i}`, rooms: [conv] }));
    const smp = sampler(target.pid);
    const conn = await connectClients(workers, target.url, clients, assign);
    connectCpuPct = smp.stop().cpuPct;
    connectMs = conn.ms;
    failed = conn.failed;
    if (conn.error) log(`${target.name}: big group: ${conn.failed} sockets failed to connect (first error: ${conn.error})`);
    sender = conn.local[0]!;
  }
  const setupMs = now() - t0;
  const settleMs = await waitQuiet(busy, QUICK ? 10_000 : 60_000);
  log(
    `${target.name}: big group of ${size}: ${onlineMs === null ? "" : `members online (first sockets) in ${(onlineMs / 1000).toFixed(1)} s, `}group's sockets connected in ${(connectMs / 1000).toFixed(1)} s (server CPU ${connectCpuPct.toFixed(0)}%)${failed ? `, ${failed} FAILED` : ""}, quiet after ${(settleMs / 1000).toFixed(1)} s more`,
  );
  if (failed > 0) connectFailedRow(target, `${size} sockets (big group)`, size - failed, size);
  else if (sender) {
    await groupRow(workers, target, size, [{ ...sender, conv }], {
      setupMs,
      onlineMs,
      connectMs,
      connectServerCpuPct: connectCpuPct,
      settleMs,
    });
  }
  await disconnectAll(workers);
  // Parley tells the group each member's going offline once the presence grace has passed (5 s),
  // and writes their last-seen time: waited out here, so the next scenario does not pay for it.
  if (target.kind === "parley") {
    await sleep(5500);
    await waitQuiet(busy, QUICK ? 10_000 : 30_000);
  }
}
