/** A Redis Cluster primary this node lost its subscriber connection to (scale/sharded-adapter.ts). */
export interface Disruption {
  /** When its trouble was first seen (ms since the epoch). */
  since: number;
  /** The slots it served then. */
  slots: Set<number>;
  /** The same node answered again (a restart within cluster-node-timeout: no failover). */
  back: boolean;
  /** Broadcasts on its channels wait (held-broadcasts.ts): until the replay is sent, or MAX_HOLD_MS. */
  holding: boolean;
}

/** Disruptions to recover together: one replay from the earliest `since`, for all their slots. */
export interface RecoveryPlan {
  addresses: string[];
  since: number;
  slots: Set<number>;
}

/** Whether every slot `d` served is served again: by another primary (a failover), or by the same one back. */
export function isServed(address: string, d: Disruption, primaryOf: (slot: number) => string | undefined): boolean {
  for (const s of d.slots) {
    const now = primaryOf(s);
    if (now === undefined || (now === address && !d.back)) return false;
  }
  return true;
}

/**
 * What to recover now: every disruption served again, together, and nothing while another one
 * still holds broadcasts back. A replay sends what the event log has from its `since` on; the
 * client applies each event once, so two replays that cross (two shards lost a few seconds
 * apart, the later one served first) would apply the later one's events before the older ones
 * still held for the earlier (red team 4's drill saw "…258,270,217,225,195,203…"). One replay from
 * the earliest `since`, once nothing is held that it would pass, keeps each conversation in order.
 * A disruption no longer holding (away past MAX_HOLD_MS) has let its broadcasts go: it waits for
 * nobody.
 */
export function planRecovery(disrupted: ReadonlyMap<string, Disruption>, primaryOf: (slot: number) => string | undefined): RecoveryPlan | null {
  const ready = [...disrupted].filter(([address, d]) => isServed(address, d, primaryOf));
  if (ready.length === 0) return null;
  if ([...disrupted].some(([address, d]) => d.holding && !isServed(address, d, primaryOf))) return null;
  const slots = new Set<number>();
  for (const [, d] of ready) for (const s of d.slots) slots.add(s);
  return { addresses: ready.map(([address]) => address), since: Math.min(...ready.map(([, d]) => d.since)), slots };
}
