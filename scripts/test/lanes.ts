// The lanes of `npm test`: each (pass, test file) pair is a job, and a few lanes (two: this
// machine's cores) take jobs from one queue until it is empty. The passes used to run side by
// side, one lane each: the SQLite pass has the browser suites, so the MariaDB lane stood empty
// for the last ten minutes and more while the SQLite lane went on.
import { readFileSync } from "node:fs";

export interface Job {
  pass: string;
  file: string;
  /** The file drives a browser: such files run one at a time, as they did in the SQLite pass. */
  browser: boolean;
}

/** A test file that drives a browser (Chromium, Firefox or WebKit), by what it imports. */
export function drivesBrowser(file: string): boolean {
  return /BROWSER_SKIP|playwright-core|puppeteer-core|webdriverio|helpers\/engines\.js/.test(readFileSync(file, "utf8"));
}

/** A job's key in the times of an earlier run. */
export const jobKey = (job: Pick<Job, "pass" | "file">): string => `${job.pass} ${job.file}`;

/**
 * The order the lanes take jobs in: the browser files first, since one at a time they are one
 * lane's work from the start to nearly the end, while the other lanes take the rest. Within each
 * part the longest first, by `seconds` (an earlier run's times in this clone), so that no long
 * file is left for the end; jobs with no earlier time keep their order, after those that have one.
 */
export function queueOrder(jobs: Job[], seconds: ReadonlyMap<string, number>): Job[] {
  const time = (job: Job): number => seconds.get(jobKey(job)) ?? -1;
  return jobs
    .map((job, i) => ({ job, i }))
    .sort((a, b) => Number(b.job.browser) - Number(a.job.browser) || time(b.job) - time(a.job) || a.i - b.i)
    .map(({ job }) => job);
}

/**
 * Runs every job of `queue` on `lanes` lanes: a free lane takes the first job it may run (a
 * browser file only while no other runs). Resolves when every job has ended; a job that throws
 * stops no other, and the first error is thrown at the end.
 */
export async function runLanes(queue: Job[], lanes: number, runJob: (job: Job, lane: number) => Promise<void>): Promise<void> {
  const waiting = [...queue];
  let browserRunning = false;
  /** Lanes with nothing they may take now, woken when a job ends. */
  let wake: (() => void)[] = [];
  const errors: unknown[] = [];
  const lane = async (n: number): Promise<void> => {
    for (;;) {
      const i = waiting.findIndex((job) => !(job.browser && browserRunning));
      if (i < 0) {
        if (waiting.length === 0) return;
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      const [job] = waiting.splice(i, 1);
      if (job!.browser) browserRunning = true;
      try {
        await runJob(job!, n);
      } catch (err) {
        errors.push(err);
      } finally {
        if (job!.browser) browserRunning = false;
        const woken = wake;
        wake = [];
        for (const resolve of woken) resolve();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, (_, i) => lane(i + 1)));
  if (errors.length) throw errors[0];
}
