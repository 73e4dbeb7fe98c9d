/**
 * What the bench measures with: the clock, percentiles, a process's CPU and memory from /proc,
 * a quiet wait, sequential GET latency, and the progress log on stderr.
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const now = (): number => performance.timeOrigin + performance.now();
let CLK_TCK = 100;
try {
  CLK_TCK = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;
} catch {
  /* default */
}
/** The local MariaDB server process, when there is one: its CPU is reported beside Parley's. */
export const DB_PID = (() => {
  try {
    return (
      Number(
        execSync("pgrep -xo mariadbd || pgrep -xo mysqld", { stdio: ["ignore", "pipe", "ignore"] })
          .toString()
          .trim(),
      ) || null
    );
  } catch {
    return null;
  }
})();
export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
export function pct(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
export function fmt(n: number | null | undefined, d = 1): string {
  return n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(d);
}
/**
 * CPU seconds (user+system) of a process, from /proc/<pid>/stat; with `thread`, of that one thread
 * of it (/proc/<pid>/task/<tid>/stat; a process's main thread has its pid as its tid).
 */
export function cpuSec(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** Resident set size in MB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
/** What a process used over a window: CPU% of one core (all its threads), its main thread's alone, peak RSS. */
export interface Usage {
  cpuPct: number;
  /**
   * The main thread's CPU% of one core: the one that runs the event loop. Beside cpuPct it tells a
   * server whose one thread is full (main near 100 %) from one whose other threads (the libuv pool,
   * the GC's helpers, workers) add to its total while the event loop has time left.
   */
  mainCpuPct: number;
  rssMb: number;
}

/** Samples a process during a window: its Usage over the window. */
export function sampler(pid: number): { stop(): Usage } {
  const c0 = cpuSec(pid);
  const m0 = cpuSec(pid, pid);
  const t0 = now();
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssMb(pid));
      const seconds = (now() - t0) / 1000;
      return { cpuPct: ((cpuSec(pid) - c0) / seconds) * 100, mainCpuPct: ((cpuSec(pid, pid) - m0) / seconds) * 100, rssMb: peak };
    },
  };
}

/** Waits until the processes together use under 20% of one core over half a second (at most `maxMs`); the time waited. */
export async function waitQuiet(pids: number[], maxMs: number): Promise<number> {
  const t0 = now();
  while (now() - t0 < maxMs) {
    const c0 = pids.reduce((a, p) => a + cpuSec(p), 0);
    const w0 = now();
    await sleep(500);
    const pctUsed = ((pids.reduce((a, p) => a + cpuSec(p), 0) - c0) / ((now() - w0) / 1000)) * 100;
    if (pctUsed < 20) break;
  }
  return now() - t0;
}

export async function httpLatency(
  url: string,
  token: string,
  paths: () => string,
  n: number,
  opts: { warmup?: number; deadlineMs?: number } = {},
): Promise<{ sorted: number[]; errors: number; cpu: { cpuPct: number; rssMb: number } | null }> {
  const out: number[] = [];
  let errors = 0;
  for (let i = 0; i < Math.min(opts.warmup ?? 10, n); i++)
    await fetch(url + paths(), { headers: { authorization: `Bearer ${token}` } }).then((r) => r.arrayBuffer());
  const deadline = now() + (opts.deadlineMs ?? 20_000);
  for (let i = 0; i < n && now() < deadline; i++) {
    const t0 = now();
    const r = await fetch(url + paths(), { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    out.push(now() - t0);
    if (!r.ok) errors++;
  }
  return { sorted: out.sort((a, b) => a - b), errors, cpu: null };
}

/**
 * Writes the page cache's dirty pages to disk (`sync`) and says how much there was. Each target's
 * ladder starts on a disk at rest: in a full run, SQLite's million-message scenarios leave GBs to
 * write back just before MariaDB's ladder, and with 2.3 GB dirty its commits took 40-70 % longer
 * and it held one rate less (docs/performance.md, 2026-11-29 23:05-23:07 UTC).
 */
export function settleDisk(): { dirtyMb: number; ms: number } {
  const dirty = Number(/^Dirty:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) / 1024;
  const t0 = now();
  execSync("sync");
  return { dirtyMb: dirty, ms: now() - t0 };
}

export function ulimitN(): string {
  try {
    return execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim();
  } catch {
    return "?";
  }
}
