/** The /sync scenarios (`--only sync`): catching up in a busy app, and what a big group's messages store. */
import { seedApp, seedDms, seedEvents, seedUsers, type SeededUser } from "../seed.js";
import { fmt, httpLatency, log, now, pct, rssMb, sampler, sleep, type Usage } from "../harness/measure.js";
import { JWT_SECRET, SIZE } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { addGetRow, addRow } from "../harness/report.js";

/**
 * /sync at scale (issue 14). A quiet user (in a DM where nothing happens) catches up from
 * `since=0` in an empty app, then with SIZE.syncEvents events of other people's conversations in
 * the log; then SIZE.quietUsers quiet users at once. And a group of SIZE.groupMembers members:
 * stored event rows and bytes per message, and one member's /sync bytes.
 */
export async function syncScenarios(target: Target): Promise<void> {
  const db = target.db!;
  // A fresh app of its own, so the "empty" figure really is an empty log.
  const appId = await seedApp(db);
  const users = await seedUsers(db, appId, SIZE.quietUsers * 2, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "quiet" });
  await seedDms(
    db,
    appId,
    Array.from({ length: SIZE.quietUsers }, (_, k) => [users[2 * k]!.id, users[2 * k + 1]!.id] as [string, string]),
  );
  const quiet = users.filter((_, i) => i % 2 === 0);
  const path = (): string => "/v1/sync?since=0&limit=500";
  const row = (label: string, r: { sorted: number[]; errors: number }, srv: Usage, extra: Record<string, unknown> = {}): void =>
    addGetRow(`Quiet user /sync, ${label}`, target.name, r, srv, extra);
  let smp = sampler(target.pid);
  const empty = await httpLatency(target.url, quiet[0]!.token, path, SIZE.httpReqs);
  row("empty app", empty, smp.stop());

  const t0 = now();
  const head = await seedEvents(db, appId, SIZE.syncEvents);
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.syncEvents} events in ${seedSec.toFixed(1)} s (head ${head})`);
  // SQLite seeding blocks this process for a minute: let fetch see the keep-alive connection the
  // server closed meanwhile, or the next request goes out on it and fails ("other side closed").
  await sleep(500);
  smp = sampler(target.pid);
  const big = await httpLatency(target.url, quiet[0]!.token, path, SIZE.httpReqs);
  const ratio = (pct(big.sorted, 50) ?? NaN) / (pct(empty.sorted, 50) ?? NaN);
  row(`${SIZE.syncEvents.toLocaleString("en")} events in the app`, big, smp.stop(), { seedSec, p50RatioToEmpty: ratio });
  log(
    `${target.name}: quiet /sync p50 ${fmt(pct(big.sorted, 50))} ms with ${SIZE.syncEvents} events vs ${fmt(pct(empty.sorted, 50))} ms empty = ${ratio.toFixed(2)}x (target <= 3x)`,
  );
  const cursor = await fetch(`${target.url}/v1/sync?since=0`, { headers: { authorization: `Bearer ${quiet[0]!.token}` } }).then(
    (r) => r.json() as Promise<{ lastSeq: number }>,
  );
  if (cursor.lastSeq !== head) log(`${target.name}: WARNING the quiet user's cursor came back ${cursor.lastSeq}, not the head ${head}`);

  // All quiet users at once, each catching up from 0 ten times in a row.
  const lat: number[] = [];
  const codes: Record<string, number> = {};
  smp = sampler(target.pid);
  const c0 = now();
  await Promise.all(
    quiet.map(async (u) => {
      for (let i = 0; i < 10; i++) {
        const s0 = now();
        try {
          const r = await fetch(`${target.url}${path()}`, { headers: { authorization: `Bearer ${u.token}` } });
          await r.arrayBuffer();
          if (r.ok) lat.push(now() - s0);
          else codes[r.status] = (codes[r.status] ?? 0) + 1;
        } catch {
          codes["network"] = (codes["network"] ?? 0) + 1;
        }
      }
    }),
  );
  const srv = smp.stop();
  lat.sort((a, b) => a - b);
  const errors = Object.values(codes).reduce((a, b) => a + b, 0);
  addRow({
    scenario: `Quiet user /sync, ${quiet.length} concurrent users (${SIZE.syncEvents.toLocaleString("en")} events)`,
    target: target.name,
    load: `${quiet.length} x 10 GETs`,
    throughput: `${(lat.length / ((now() - c0) / 1000)).toFixed(0)} req/s`,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    serverCpuPct: srv.cpuPct,
    serverMainCpuPct: srv.mainCpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${lat.length}/${lat.length + errors} 2xx${errors ? " " + JSON.stringify(codes) : ""}`,
    result: errors ? "FAIL" : "OK",
  });

  // A big group: what each message stores, and what a member's /sync carries.
  const members = await seedUsers(db, appId, SIZE.groupMembers, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "grp" });
  const auth = (u: SeededUser): Record<string, string> => ({ authorization: `Bearer ${u.token}`, "content-type": "application/json" });
  const created = await fetch(`${target.url}/v1/conversations`, {
    method: "POST",
    headers: auth(members[0]!),
    body: JSON.stringify({ name: "Everyone", memberIds: members.slice(1).map((u) => u.id) }),
  });
  const conv = ((await created.json()) as { conversation?: { id: string } }).conversation?.id;
  if (!created.ok || !conv) {
    addRow({
      scenario: `Group of ${SIZE.groupMembers}: stored events`,
      target: target.name,
      load: "-",
      throughput: "-",
      p50: null,
      p95: null,
      p99: null,
      serverCpuPct: null,
      serverRssMb: null,
      genCpuPct: null,
      delivered: `create ${created.status}`,
      result: "FAIL",
    });
    return;
  }
  const reader = members[SIZE.groupMembers - 1]!;
  const since = ((await fetch(`${target.url}/v1/sync/head`, { headers: auth(reader) }).then((r) => r.json())) as { lastSeq: number }).lastSeq;
  let sendErrors = 0;
  for (let i = 0; i < SIZE.syncGroupMessages; i++) {
    const r = await fetch(`${target.url}/v1/conversations/${conv}/messages`, {
      method: "POST",
      headers: auth(members[i % 10]!),
      body: JSON.stringify({ text: `hello everyone ${i}` }),
    });
    await r.arrayBuffer();
    if (r.status !== 201) sendErrors++;
  }
  const [stored] = await db.all<{ n: number | string; bytes: number | string }>(
    `SELECT COUNT(*) AS n, SUM(LENGTH(${db.q("data")})) AS bytes FROM events WHERE ${db.q("appId")} = ? AND ${db.q("conversationId")} = ? AND seq > ?`,
    [appId, conv, since],
  );
  const syncBody = await fetch(`${target.url}/v1/sync?since=${since}&limit=1000`, { headers: auth(reader) }).then((r) => r.text());
  const n = SIZE.syncGroupMessages;
  addRow({
    scenario: `Group of ${SIZE.groupMembers}: events stored per message`,
    target: target.name,
    load: `${n} messages`,
    throughput: `${(Number(stored?.n) / n).toFixed(2)} rows/msg`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: null,
    serverRssMb: rssMb(target.pid),
    genCpuPct: null,
    delivered: `${n - sendErrors}/${n} 201`,
    result: `${(Number(stored?.bytes) / n).toFixed(0)} B/msg stored, ${(Buffer.byteLength(syncBody) / n).toFixed(0)} B/msg in a member's /sync`,
    extra: { rows: Number(stored?.n), bytes: Number(stored?.bytes), syncBytes: Buffer.byteLength(syncBody) },
  });
}
