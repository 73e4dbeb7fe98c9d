/**
 * Group calls through Janus (`--only calls`, run only when named: it starts a Janus of its own, as
 * the tests do, server/test/helpers/janus.ts; skipped with a note where janus is not installed).
 *
 * For each size N, one audio group call of N participants on a Parley/SQLite with JANUS_WS_URL set:
 * the first starts it (`call.start`, ringing the N−1 others), the others all answer at once
 * (`call.accept`), then every participant publishes an offer through the server (`call.sfu`
 * publish: the server joins a publisher handle in the call's room for them and answers Janus's
 * SDP), then subscribes (`call.sfu` subscribe), then everyone hangs up. No browser and no media:
 * this is the signalling's cost, which is what Parley itself adds to a call (media goes from the
 * browsers to Janus, never through a Parley node), with the same offer calls-sfu.test.ts sends.
 *
 * Reported per size: each command's acknowledgement latency (p50/p95/p99 over all of them, and the
 * p50 of each kind), and the CPU time the server and Janus spent over the whole call, per participant.
 */
import { io, type Socket } from "socket.io-client";
import { hasJanus, startJanus, type TestJanus, PUBLISH_OFFER as OFFER } from "../test/helpers/janus.js";
import { cpuSec, now, pct, sampler } from "./harness/measure.js";
import { JWT_SECRET } from "./harness/options.js";
import { startParley, type Target } from "./harness/processes.js";
import { addRow } from "./harness/report.js";
import { seedGroup, seedUsers } from "./seed.js";

type Ack = { ok: true; data: { id?: string } } | { ok: false; error: { code: string; message: string } };

/** One command's acknowledgement and how long it took. */
async function timed(s: Socket, event: string, payload: unknown, lat: Record<string, number[]>): Promise<Ack> {
  const t0 = now();
  const ack = (await s.timeout(30_000).emitWithAck(event, payload)) as Ack;
  (lat[event === "call.sfu" ? `sfu ${(payload as { type: string }).type}` : event] ??= []).push(now() - t0);
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], auth: { token }, reconnection: false, forceNew: true });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

/** One call of `n` participants; its row (none for the warm-up). */
async function oneCall(t: Target, janus: TestJanus, n: number, report = true): Promise<void> {
  const users = await seedUsers(t.db!, t.appId!, n, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: `call${n}-` });
  const conversationId = await seedGroup(
    t.db!,
    t.appId!,
    `Call of ${n}`,
    users.map((u) => u.id),
  );
  const sockets = await Promise.all(users.map((u) => connect(t.url, u.token)));
  const lat: Record<string, number[]> = {};
  try {
    const srvCpu0 = cpuSec(t.pid);
    const janusCpu0 = cpuSec(janus.pid);
    const smp = sampler(t.pid);
    const t0 = now();
    const started = await timed(sockets[0]!, "call.start", { conversationId }, lat);
    const callId = started.ok ? started.data.id! : "";
    await Promise.all(sockets.slice(1).map((s) => timed(s, "call.accept", { callId }, lat)));
    await Promise.all(sockets.map((s) => timed(s, "call.sfu", { callId, type: "publish", sdp: OFFER }, lat)));
    await Promise.all(sockets.map((s) => timed(s, "call.sfu", { callId, type: "subscribe" }, lat)));
    await Promise.all(sockets.map((s) => timed(s, "call.hangup", { callId }, lat)));
    const secs = (now() - t0) / 1000;
    const srv = smp.stop();
    if (!report) return;
    const srvMs = (cpuSec(t.pid) - srvCpu0) * 1000;
    const janusMs = (cpuSec(janus.pid) - janusCpu0) * 1000;
    const all = Object.values(lat)
      .flat()
      .sort((a, b) => a - b);
    const p50Of = Object.fromEntries(
      Object.entries(lat).map(([k, v]) => [
        k,
        pct(
          [...v].sort((a, b) => a - b),
          50,
        ),
      ]),
    );
    addRow({
      scenario: "Group call signalling via Janus (no media)",
      target: t.name,
      load: `${n} participants, 1 call`,
      throughput: `${(all.length / secs).toFixed(0)} cmds/s`,
      p50: pct(all, 50),
      p95: pct(all, 95),
      p99: pct(all, 99),
      serverCpuPct: srv.cpuPct,
      serverRssMb: srv.rssMb,
      genCpuPct: null,
      delivered: `${all.length} acks`,
      result: "OK",
      extra: {
        serverCpuMsPerParticipant: srvMs / n,
        janusCpuMsPerParticipant: janusMs / n,
        janusCpuPct: (janusMs / (secs * 1000)) * 100,
        p50ByCommand: p50Of,
      },
    });
    process.stdout.write(
      `  calls: ${n} participants: server ${(srvMs / n).toFixed(1)} ms CPU and Janus ${(janusMs / n).toFixed(1)} ms CPU per participant; ` +
        `p50 ${Object.entries(p50Of)
          .map(([k, v]) => `${k} ${v?.toFixed(1)} ms`)
          .join(", ")}\n`,
    );
  } finally {
    for (const s of sockets) s.close();
  }
}

/** The calls bench: a Janus and a Parley of its own, one call per size. Answers why it was skipped, or null. */
export async function runCalls(opts: { quick: boolean }): Promise<string | null> {
  if (!hasJanus) return "calls (janus is not installed: apt-get install -y janus)";
  let janus: TestJanus;
  try {
    janus = await startJanus();
  } catch (err) {
    return `calls (janus did not start: ${(err as Error).message.split("\n")[0]})`;
  }
  let t: Target | undefined;
  try {
    t = await startParley("sqlite", {
      JANUS_WS_URL: janus.wsUrl,
      JANUS_ADMIN_KEY: janus.adminKey,
      CALL_GROUP_MAX_AUDIO: "200",
      RATE_LIMIT_CALLS_PER_USER: "100000",
      RATE_LIMIT_CALLS_PER_APP: "100000",
    });
    // A first call loads janode and connects to Janus: not counted.
    await oneCall(t, janus, 3, false);
    for (const n of opts.quick ? [4, 8] : [4, 8, 16, 25]) await oneCall(t, janus, n);
    return null;
  } finally {
    await t?.stop();
    await janus.stop();
  }
}
