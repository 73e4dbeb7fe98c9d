/**
 * This node's timers for calls, and the sockets here that carry one. Timers are only the fast path:
 * a node that dies takes them along, and every node's sweep (call-sweeper.ts) finds what they would
 * have done from the database. Timers never hold the process open.
 */
export class CallTimers {
  private readonly rings = new Map<string, NodeJS.Timeout>();
  private readonly graces = new Map<string, NodeJS.Timeout>();
  /** Socket id -> the calls it carries for its user (taken on this node: a socket lives on one node). */
  private readonly carried = new Map<string, { appId: string; calls: Set<string> }>();
  private stopped = false;

  /** Runs `fire` once `ms` after a call started, unless cleared (the call ended first). */
  ring(callId: string, ms: number, fire: () => void): void {
    if (this.stopped) return;
    this.clearRing(callId);
    const t = setTimeout(() => {
      this.rings.delete(callId);
      fire();
    }, ms);
    t.unref();
    this.rings.set(callId, t);
  }

  clearRing(callId: string): void {
    clearTimeout(this.rings.get(callId));
    this.rings.delete(callId);
  }

  /** The socket now carries the call for its user. */
  carry(socketId: string, appId: string, callId: string): void {
    const entry = this.carried.get(socketId) ?? { appId, calls: new Set<string>() };
    entry.calls.add(callId);
    this.carried.set(socketId, entry);
  }

  /** The socket no longer carries the call (its user hung up from it). */
  drop(socketId: string, callId: string): void {
    const entry = this.carried.get(socketId);
    entry?.calls.delete(callId);
    if (entry?.calls.size === 0) this.carried.delete(socketId);
  }

  /** The calls a socket that closed carried here, forgotten now; undefined for a socket that carried none. */
  release(socketId: string): { appId: string; calls: string[] } | undefined {
    const entry = this.carried.get(socketId);
    this.carried.delete(socketId);
    return entry ? { appId: entry.appId, calls: [...entry.calls] } : undefined;
  }

  /** Runs `fire` after a closed socket's grace. */
  grace(socketId: string, ms: number, fire: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.graces.delete(socketId);
      fire();
    }, ms);
    t.unref();
    this.graces.set(socketId, t);
  }

  /** Every timer stops (shutdown): what they would have done is the next start's sweep's. */
  stop(): void {
    this.stopped = true;
    for (const t of [...this.rings.values(), ...this.graces.values()]) clearTimeout(t);
    this.rings.clear();
    this.graces.clear();
    this.carried.clear();
  }
}
