/**
 * The report: one row per measurement (logged as it is added), the ladders, the table printed at
 * the end, and the Parley/relay (and ejabberd/relay) ratio lines.
 */
import { fmt, log, pct, rssMb, type Usage } from "./measure.js";
import { P99_LIMIT_MS, SIZE } from "./options.js";
import type { Target } from "./processes.js";

export interface Row {
  scenario: string;
  target: string;
  load: string;
  throughput: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  serverCpuPct: number | null;
  /** The server's main thread (its event loop) alone, where the row measured it (see Usage). */
  serverMainCpuPct?: number | null;
  serverRssMb: number | null;
  /** mariadbd's CPU over the same window (MariaDB targets): the database's share of the cost. */
  dbCpuPct?: number | null;
  genCpuPct: number | null;
  delivered: string;
  result: string;
  extra?: Record<string, unknown>;
}
export const rows: Row[] = [];
export function addRow(r: Row): void {
  rows.push(r);
  log(
    `${r.scenario} | ${r.target} | ${r.load} | ${r.throughput} | p50 ${fmt(r.p50)} p95 ${fmt(r.p95)} p99 ${fmt(r.p99)} | cpu ${fmt(r.serverCpuPct, 0)}%${r.serverMainCpuPct == null ? "" : ` (main thread ${fmt(r.serverMainCpuPct, 0)}%)`} rss ${fmt(r.serverRssMb, 0)}MB | gen ${fmt(r.genCpuPct, 0)}% | ${r.delivered} | ${r.result}`,
  );
}
/** The row of sequential GETs (`httpLatency`): latency percentiles, server CPU and memory, 2xx count. */
export function addGetRow(scenario: string, targetName: string, r: { sorted: number[]; errors: number }, srv: Usage, extra?: Record<string, unknown>): void {
  addRow({
    scenario,
    target: targetName,
    load: `${r.sorted.length} seq. GETs`,
    throughput: `${(1000 / (r.sorted.reduce((a, b) => a + b, 0) / Math.max(1, r.sorted.length))).toFixed(0)} req/s`,
    p50: pct(r.sorted, 50),
    p95: pct(r.sorted, 95),
    p99: pct(r.sorted, 99),
    serverCpuPct: srv.cpuPct,
    serverMainCpuPct: srv.mainCpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${r.sorted.length - r.errors}/${r.sorted.length} 2xx`,
    result: r.errors ? "FAIL" : "OK",
    ...(extra ? { extra } : {}),
  });
}

/** A FAIL row for sockets that did not connect (the scenario they were for does not run). */
export function connectFailedRow(target: Target, load: string, ok: number, of: number, error?: string): void {
  addRow({
    scenario: "connect",
    target: target.name,
    load,
    throughput: "-",
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: null,
    serverRssMb: rssMb(target.pid),
    genCpuPct: null,
    delivered: `${ok}/${of}`,
    result: "FAIL",
    ...(error === undefined ? {} : { extra: { error } }),
  });
}

export interface LadderPoint {
  rate: number;
  throughput: number;
  p99: number | null;
  complete: boolean;
  ok: boolean;
  serverCpuPct: number;
}
export const ladders: Record<string, LadderPoint[]> = {};

/** Ratio lines and JSON entries of the idle scenario (Parley's memory per socket against the relay's). */
export const idleLines: string[] = [];
export const idleData: Record<string, unknown>[] = [];

export function table(): string {
  const head = [
    "Scenario",
    "Target",
    "Load",
    "Throughput",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "Srv CPU%",
    "Main%",
    "Srv RSS MB",
    "DB CPU%",
    "Gen CPU%",
    "Delivered",
    "Result",
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.target,
    r.load,
    r.throughput,
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    fmt(r.serverCpuPct, 0),
    fmt(r.serverMainCpuPct, 0),
    fmt(r.serverRssMb, 0),
    fmt(r.dbCpuPct, 0),
    fmt(r.genCpuPct, 0),
    r.delivered,
    r.result,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 3 && i <= 11 ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...body.map(line)].join("\n");
}

/** The JSON's names for the compared target: `parley`/`maxParley` kept for Parley's entries, `maxTarget` for all. */
function who(name: string, max: number): Record<string, unknown> {
  return name.startsWith("Parley") ? { parley: name, maxParley: max, maxTarget: max } : { maxTarget: max };
}

export function ratios(): { lines: string[]; data: Record<string, unknown>[] } {
  const lines: string[] = [];
  const data: Record<string, unknown>[] = [];
  for (const scenario of ["1:1 messages", "Typing (1:1)"]) {
    const relay = ladders[`${scenario}|Relay (bare Socket.IO)`];
    // Parley's ladders, then the peer's (--peer ejabberd) and the relay's with a journal
    // (--relay-journal), each against the bare relay's.
    const compared = ["Parley", "ejabberd", "Relay +"].map((name) => `${scenario}|${name}`);
    for (const key of Object.keys(ladders).filter((k) => compared.some((c) => k.startsWith(c)))) {
      const parley = ladders[key]!;
      const name = key.split("|")[1]!;
      if (!relay) continue;
      const both = parley.filter((p) => p.ok && relay.find((r) => r.rate === p.rate)?.ok).map((p) => p.rate);
      const maxP = Math.max(0, ...parley.filter((p) => p.ok).map((p) => p.rate));
      const maxR = Math.max(0, ...relay.filter((p) => p.ok).map((p) => p.rate));
      const top = SIZE.rates[SIZE.rates.length - 1]!;
      if (both.length === 0) {
        lines.push(
          `${scenario}: ${name} / relay: no common rate where both delivered 100% with p99 <= ${P99_LIMIT_MS} ms (max OK rate: ${name} ${maxP || "none"}, relay ${maxR || "none"})`,
        );
        data.push({ scenario, target: name, ...who(name, maxP), rate: null, maxRelay: maxR });
        continue;
      }
      const rate = Math.max(...both);
      const p = parley.find((x) => x.rate === rate)!;
      const r = relay.find((x) => x.rate === rate)!;
      // Typing: Parley relays what its throttle admits (≤ 2 a second per typer), the relay all.
      const tput = p.throughput / r.throughput;
      const cpu = p.serverCpuPct / r.serverCpuPct;
      const capRatio = maxP / maxR;
      lines.push(
        `${scenario}: ${name} / relay at ${rate}/s (highest rate both OK): throughput ${tput.toFixed(2)}x${scenario.startsWith("Typing") ? " (relays after Parley's typing throttle)" : ""}, server CPU ${cpu.toFixed(1)}x` +
          ` (${p.serverCpuPct.toFixed(0)}% vs ${r.serverCpuPct.toFixed(0)}%); max OK rate ${maxP} vs ${maxR}/s = ${capRatio.toFixed(2)}${maxR === top ? " (relay not saturated by the ladder: an upper bound)" : ""}`,
      );
      data.push({
        scenario,
        target: name,
        ...who(name, maxP),
        rate,
        throughputRatio: tput,
        serverCpuRatio: cpu,
        maxRelay: maxR,
        maxRateRatio: capRatio,
      });
    }
  }
  return { lines: [...lines, ...idleLines], data: [...data, ...idleData] };
}
