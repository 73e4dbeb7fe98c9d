/**
 * Broadcasts held back while a Redis Cluster shard is away, so that what a socket hears of a
 * conversation stays in order (red team 4: after a failover, newer messages published live
 * arrived before the replay of the older ones that were lost, in 3 runs of 3).
 *
 * While a shard is disrupted (scale/sharded-adapter.ts), a broadcast to a room whose channel it
 * serves (or any broadcast of a namespace whose own channel it serves) is not delivered to this
 * node's sockets but queued, whether it came from this node (local-first) or from another. Once
 * the shard serves again and the replay of what the sockets may have missed has been sent
 * (realtime/replay.ts: the event log, in seq order), the queue is delivered; the SDK drops what the
 * replay already gave it, by seq. The chat events in it go out in seq order, not in the order they
 * came: another node's newer message can reach this node before this node's own older one is
 * broadcast (its commit's continuation not yet run), and with everything released at once that
 * is the order a member would hear them in (the drill: "…213,228,219…", the sender's own 219
 * after 228). Every chat event in the queue is in the event log, so nothing is lost by holding
 * it, or by dropping it when the queue is full (the replay sends it); typing and presence may
 * arrive late or, past the bound, not at all.
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
  /** The chat event's seq (a broadcast of one, a send's ack carrying one); none for typing, presence, … */
  seq: number | undefined;
}

export class HeldBroadcasts {
  private readonly queue: Held[] = [];
  dropped = 0;

  /** @param isHeld whether a broadcast of `nsp` to `rooms` must wait now (a disruption covers its channel) */
  constructor(readonly isHeld: (nsp: string, rooms: readonly string[]) => boolean) {}

  /**
   * Queues `deliver` and answers true while the broadcast must wait; else false (the caller
   * delivers it now). `seq`: the chat event it carries, which the release puts in seq order.
   */
  hold(nsp: string, rooms: Iterable<string>, deliver: () => void, seq?: number): boolean {
    const list = [...rooms];
    if (!this.isHeld(nsp, list)) return false;
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ nsp, rooms: list, deliver, seq });
    return true;
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Delivers the queued broadcasts that no disruption holds any more: the chat events in seq order
   * (an app's seqs are its event log's order; apps' sockets never share an event), in the places
   * chat events held in the queue; the rest (typing, presence) in the order they came.
   */
  release(): void {
    const free: Held[] = [];
    for (const h of this.queue.splice(0)) (this.isHeld(h.nsp, h.rooms) ? this.queue : free).push(h);
    const events = free.filter((h) => h.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
    let next = 0;
    for (const h of free) (h.seq === undefined ? h : events[next++]!).deliver();
  }
}

/** The seq of the chat event a Socket.IO packet carries (`data: [name, event]`), if it carries one. */
export function seqOfPacket(packet: unknown): number | undefined {
  const data = (packet as { data?: unknown } | null)?.data;
  const seq = Array.isArray(data) ? (data[1] as { seq?: unknown } | null)?.seq : undefined;
  return typeof seq === "number" && seq > 0 ? seq : undefined;
}
