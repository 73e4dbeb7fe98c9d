/**
 * The load generator: forked workers (worker.ts) that hold the client sockets, connect them,
 * and run one load step at a time; `step` is the measuring loop every realtime row goes through.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { CatchUp, ClientSpec } from "../worker.js";
import { DB_PID, log, now, sampler, sleep, type Usage } from "./measure.js";
import { DRAIN_MS, TYPING_THROTTLE_MS } from "./options.js";
import { children, ROOT, type Target } from "./processes.js";
import { connectFailedRow } from "./report.js";

export class Worker {
  private seq = 0;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;
  constructor(readonly index: number) {
    this.child = fork(path.join(ROOT, "server/bench/worker.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(this.child);
    this.child.on("message", (m: { id: number; data?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m.data);
    });
  }
  call<T>(cmd: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.index}: ${String(cmd["cmd"])} timed out`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.child.send({ ...cmd, id });
    });
  }
}

export interface Collected {
  sent: number;
  /** What the server delivers of `sent`: all messages; typing after its per-socket throttle. */
  expected: number;
  received: number;
  ackOk: number;
  ackErr: number;
  errCodes: Record<string, number>;
  lat: number[];
  cpuMs: number;
  wallMs: number;
}

/** Connects clients[i] on worker assign(i); returns per-worker local index for each client. */
export async function connectClients(
  workers: Worker[],
  url: string,
  clients: ClientSpec[],
  assign: (i: number) => number,
  opts: { concurrency?: number; catchUpSince?: number } = {},
): Promise<{ local: { w: number; idx: number }[]; ok: number; failed: number; ms: number; error?: string; catchUp?: CatchUp[] }> {
  const per: ClientSpec[][] = workers.map(() => []);
  const local: { w: number; idx: number }[] = [];
  clients.forEach((c, i) => {
    const w = assign(i);
    local.push({ w, idx: per[w]!.length });
    per[w]!.push(c);
  });
  const t0 = now();
  const res = await Promise.all(
    workers.map((w, i) =>
      w.call<{ ok: number; failed: number; ms: number; error?: string; catchUp?: CatchUp }>({
        cmd: "connect",
        url,
        clients: per[i],
        concurrency: opts.concurrency ?? 100,
        timeoutMs: 30_000,
        ...(opts.catchUpSince === undefined ? {} : { catchUpSince: opts.catchUpSince }),
      }),
    ),
  );
  const error = res.find((r) => r.error)?.error;
  const catchUp = res.flatMap((r) => (r.catchUp ? [r.catchUp] : []));
  return {
    local,
    ok: res.reduce((a, r) => a + r.ok, 0),
    failed: res.reduce((a, r) => a + r.failed, 0),
    ms: now() - t0,
    ...(error ? { error } : {}),
    ...(catchUp.length ? { catchUp } : {}),
  };
}

export async function disconnectAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: "disconnect" })));
  await sleep(300);
}

/**
 * One load step: every worker sends `rate` (split across workers by their share of senders) for
 * stepMs; then waits until everything expected arrived or DRAIN_MS passed.
 */
export async function step(
  workers: Worker[],
  target: Target,
  kind: "message" | "typing",
  senders: { w: number; idx: number; conv: string }[],
  rate: number,
  durationMs: number,
  deliveriesPerSend: number,
): Promise<{ c: Collected; srv: Usage; dbCpuPct: number | null; genCpuPct: number; sendWallMs: number }> {
  const tag = `t${randomBytes(4).toString("hex")}`;
  const byWorker = workers.map((_, i) => senders.filter((s) => s.w === i).map((s) => ({ idx: s.idx, conv: s.conv })));
  const smp = sampler(target.pid);
  const dbSmp = target.dbCpu && DB_PID ? sampler(DB_PID) : null;
  const t0 = now();
  await Promise.all(
    workers.map((w, i) => {
      const share = byWorker[i]!.length / senders.length;
      // Parley throttles typing relays (1 per second per socket and conversation); the bare relay does not.
      const typingThrottleMs = kind === "typing" && target.kind === "parley" ? TYPING_THROTTLE_MS : 0;
      return w.call({ cmd: "start", tag, kind, senders: byWorker[i], rate: rate * share, durationMs, typingThrottleMs });
    }),
  );
  const sendWallMs = now() - t0;
  const srv = smp.stop();
  const dbCpuPct = dbSmp ? dbSmp.stop().cpuPct : null;
  const deadline = now() + DRAIN_MS;
  while (now() < deadline) {
    const st = await Promise.all(workers.map((w) => w.call<{ received: number; pendingAcks: number; expected: number }>({ cmd: "stats" })));
    const expected = st.reduce((a, s) => a + s.expected, 0);
    if (st.reduce((a, s) => a + s.received, 0) >= expected * deliveriesPerSend && st.every((s) => s.pendingAcks === 0)) break;
    await sleep(100);
  }
  const parts = await Promise.all(workers.map((w) => w.call<Collected>({ cmd: "collect" })));
  const c: Collected = { sent: 0, expected: 0, received: 0, ackOk: 0, ackErr: 0, errCodes: {}, lat: [], cpuMs: 0, wallMs: 0 };
  for (const p of parts) {
    c.sent += p.sent;
    c.expected += p.expected;
    c.received += p.received;
    c.ackOk += p.ackOk;
    c.ackErr += p.ackErr;
    for (const [k, v] of Object.entries(p.errCodes)) c.errCodes[k] = (c.errCodes[k] ?? 0) + v;
    for (const l of p.lat) c.lat.push(l);
    c.cpuMs += p.cpuMs;
    c.wallMs = Math.max(c.wallMs, p.wallMs);
  }
  c.lat.sort((a, b) => a - b);
  return { c, srv, dbCpuPct, genCpuPct: (c.cpuMs / c.wallMs) * 100, sendWallMs };
}

/** connectClients, logged, with a FAIL row when any client could not connect. */
export async function connectReported(
  workers: Worker[],
  target: Target,
  clients: ClientSpec[],
  assign: (i: number) => number,
): Promise<Awaited<ReturnType<typeof connectClients>>> {
  const conn = await connectClients(workers, target.url, clients, assign);
  log(`${target.name}: ${conn.ok}/${clients.length} sockets connected in ${(conn.ms / 1000).toFixed(1)} s${conn.error ? ` (first error: ${conn.error})` : ""}`);
  if (conn.failed > 0) connectFailedRow(target, `${clients.length} sockets`, conn.ok, clients.length, conn.error);
  return conn;
}
