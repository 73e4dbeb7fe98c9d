/**
 * `--loop-lag`: how long Parley's serving thread stood still in each ladder step, and how many send
 * batches took long to commit, from the server's own `/metrics` (on for the run, behind a token).
 *
 * Why: on some boxes a step fails with a p50 of 2 ms and a p99 of 300 ms while the server is at
 * 60-80 % of a core. That is not a server out of breath but one that stops: a WAL sync of 76-338
 * ms on a disk whose idle p99 is 2 ms (docs/performance.md, 2026-11-29). The event loop's delay
 * says whether the thread stopped, the commit times whether the database was where it stopped.
 *
 * prom-client's event-loop figures cover the time since the last scrape (it resets its histogram
 * at each), so the scrape before a step starts the window and the one after reads it. The first
 * tick after a reset only starts the clock again, and a stop is recorded at the tick after it: a
 * step's first ~10 ms go unseen, and so would a stop the scrape itself came right behind (the
 * bench scrapes after the step's deliveries have drained, many ticks later). Each sample
 * is the whole gap between two ticks of a 10 ms timer (an idle loop reads about 10.1 ms): the
 * tick is taken off, leaving how long the thread stood still beyond it. The commit histogram is
 * cumulative: the step's share is the difference.
 */

/** prom-client's event-loop monitor's tick (its `eventLoopMonitoringPrecision`, left at its default by ops/metrics.ts). */
export const LOOP_TICK_MS = 10;

/** What one scrape read: how long the loop stood still since the scrape before (beyond its tick), the commits so far. */
export interface WaitsScrape {
  loopMaxMs: number;
  loopP99Ms: number;
  commits: number;
  /** Seconds all commits so far took (the histogram's sum). */
  commitSeconds: number;
  /** Commits at most 50 ms (the histogram's `le="0.05"` bucket, cumulative). */
  commitsWithin50Ms: number;
}

/** One step's waits: the loop's longest stop and its p99, the batches committed, their mean time and those over 50 ms. */
export interface StepWaits {
  loopMaxMs: number;
  loopP99Ms: number;
  commits: number;
  /** null without a commit. */
  commitMeanMs: number | null;
  commitsOver50Ms: number;
}

/** A sample's value in Prometheus' text format: `name` with exactly `labels` (in that order), else undefined. */
export function sample(text: string, name: string, labels = ""): number | undefined {
  const head = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split("\n").find((l) => l.startsWith(head));
  return line === undefined ? undefined : Number(line.slice(head.length).split(" ")[0]);
}

/** Reads the waits from a `/metrics` text; a figure the server did not give is a clear error, not a 0. */
export function readWaits(text: string): WaitsScrape {
  const need = (name: string, labels = ""): number => {
    const v = sample(text, name, labels);
    if (v === undefined || Number.isNaN(v)) throw new Error(`/metrics has no ${name}${labels ? `{${labels}}` : ""}`);
    return v;
  };
  const stood = (name: string): number => Math.max(0, need(name) * 1000 - LOOP_TICK_MS);
  return {
    loopMaxMs: stood("nodejs_eventloop_lag_max_seconds"),
    loopP99Ms: stood("nodejs_eventloop_lag_p99_seconds"),
    commits: need("parley_send_commit_seconds_count"),
    commitSeconds: need("parley_send_commit_seconds_sum"),
    commitsWithin50Ms: need("parley_send_commit_seconds_bucket", 'le="0.05"'),
  };
}

/** The step between two scrapes: the loop's figures are the second's, the commits the difference. */
export function stepWaits(before: WaitsScrape, after: WaitsScrape): StepWaits {
  const commits = after.commits - before.commits;
  return {
    loopMaxMs: after.loopMaxMs,
    loopP99Ms: after.loopP99Ms,
    commits,
    commitMeanMs: commits > 0 ? ((after.commitSeconds - before.commitSeconds) * 1000) / commits : null,
    commitsOver50Ms: commits - (after.commitsWithin50Ms - before.commitsWithin50Ms),
  };
}

/** Scrapes the server's `/metrics` with its token. */
export async function scrapeWaits(url: string, token: string): Promise<WaitsScrape> {
  const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return readWaits(await res.text());
}
