/**
 * Broadcasts held back while a Redis Cluster shard is away, so that what a socket hears of a
 * conversation stays in order (red team 4: after a failover, newer messages published live
 * arrived before the replay of the older ones that were lost, in 3 runs of 3).
 *
 * While a shard is disrupted (scale/sharded-adapter.ts), a broadcast to a room whose channel it
 * serves (or any broadcast of a namespace whose own channel it serves) is not delivered to this
 * node's sockets but queued, whether it came from this node (local-first) or from another. Once
 * the shard serves again and the replay of what the sockets may have missed has been sent
 * (realtime/replay.ts: the event log, in seq order), the queue is delivered in the order it came;
 * the SDK drops what the replay already gave it, by seq. Every chat event in the queue is in the
 * event log, so nothing is lost by holding it, or by dropping it when the queue is full (the
 * replay sends it); typing and presence may arrive late or, past the bound, not at all.
 *
 * Bounded in size (MAX_QUEUED, the oldest dropped) and in time: a disruption held longer than
 * MAX_HOLD_MS (Redis away, not failing over) releases what it holds and stops holding, so local
 * delivery never stops for long.
 */
export const MAX_QUEUED = 20_000;
export const MAX_HOLD_MS = 30_000;

interface Held {
  nsp: string;
  rooms: string[];
  deliver: () => void;
}

export class HeldBroadcasts {
  private readonly queue: Held[] = [];
  dropped = 0;

  /** @param isHeld whether a broadcast of `nsp` to `rooms` must wait now (a disruption covers its channel) */
  constructor(readonly isHeld: (nsp: string, rooms: readonly string[]) => boolean) {}

  /** Queues `deliver` and answers true while the broadcast must wait; else false (the caller delivers it now). */
  hold(nsp: string, rooms: Iterable<string>, deliver: () => void): boolean {
    const list = [...rooms];
    if (!this.isHeld(nsp, list)) return false;
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ nsp, rooms: list, deliver });
    return true;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Delivers, in the order they came, the queued broadcasts that no disruption holds any more. */
  release(): void {
    const waiting = this.queue.splice(0);
    for (const h of waiting) {
      if (this.isHeld(h.nsp, h.rooms)) this.queue.push(h);
      else h.deliver();
    }
  }
}
