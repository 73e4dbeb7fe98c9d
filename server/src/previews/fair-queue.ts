/**
 * The link preview queue, fair between apps (red team 4: one app's 60 links to a slow page, first
 * come first served, held another app's card back by 120 s). Each app has its own line, in
 * arrival order; a free worker takes the next job of the app holding the fewest workers now, and
 * of those the app served longest ago. So another app waits at most for one fetch's deadline, however much
 * one app has queued, while an app alone still uses every worker.
 *
 * Bounded: past `max` waiting jobs, the oldest job of the app with the longest line is dropped
 * (one app filling the queue drops its own links, not the others').
 */
export class FairQueue<J extends { appId: string }> {
  /** Waiting jobs by app. */
  private readonly lines = new Map<string, J[]>();
  /** Workers each app holds now. */
  private readonly holding = new Map<string, number>();
  /** When each app with a line was last served (a counter of takes; never served: 0). */
  private readonly served = new Map<string, number>();
  private takes = 0;
  private waiting = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.waiting;
  }

  /** Queues `job`, replacing a waiting one that `same` matches; answers the job dropped to make room, if one was. */
  push(job: J, same: (waiting: J) => boolean): J | undefined {
    const line = this.lines.get(job.appId) ?? [];
    const at = line.findIndex(same);
    if (at >= 0) {
      line.splice(at, 1);
      this.waiting--;
    }
    let dropped: J | undefined;
    if (this.waiting >= this.max) {
      const longest = [...this.lines.values(), line].reduce((a, b) => (b.length > a.length ? b : a));
      dropped = longest.shift();
      if (dropped) this.waiting--;
      if (longest.length === 0 && dropped) this.lines.delete(dropped.appId);
    }
    line.push(job);
    this.lines.set(job.appId, line);
    this.waiting++;
    return dropped;
  }

  /** The next job to run (its app now holds one more worker: call `done` when it ends), or undefined. */
  take(): J | undefined {
    let pick: string | undefined;
    for (const appId of this.lines.keys()) {
      if (pick === undefined) pick = appId;
      else {
        const [held, best] = [this.held(appId), this.held(pick)];
        if (held < best || (held === best && (this.served.get(appId) ?? 0) < (this.served.get(pick) ?? 0))) pick = appId;
      }
    }
    if (pick === undefined) return undefined;
    const line = this.lines.get(pick)!;
    const job = line.shift()!;
    this.waiting--;
    if (line.length === 0) this.lines.delete(pick);
    this.served.set(pick, ++this.takes);
    this.holding.set(pick, this.held(pick) + 1);
    return job;
  }

  /** A job `take` gave has ended: its app holds one worker less. */
  done(job: J): void {
    const left = this.held(job.appId) - 1;
    if (left > 0) this.holding.set(job.appId, left);
    else this.holding.delete(job.appId);
    // An app with nothing waiting or running is forgotten (the maps stay as small as the queue).
    if (left <= 0 && !this.lines.has(job.appId)) this.served.delete(job.appId);
  }

  /** Drops every waiting job (shutdown). */
  clear(): void {
    this.lines.clear();
    this.served.clear();
    this.waiting = 0;
  }

  private held(appId: string): number {
    return this.holding.get(appId) ?? 0;
  }
}
