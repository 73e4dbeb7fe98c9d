import type { Presence } from "@parley/sdk/protocol";
import type { DataSource } from "typeorm";
import { UserEntity } from "../users/user.entity.js";
import { isoOrNull } from "../shared/time.js";

export interface PresenceOptions {
  /** How long after the last socket closes a user still counts as online (reloads are no blip). */
  graceMs: number;
}

export type PresenceListener = (appId: string, p: Presence) => void;
type Listener = PresenceListener;

/**
 * Who is online: a user is online while at least one of their sockets is connected; offline
 * only `graceMs` after the last one closed. `lastSeenAt` is persisted when they go offline.
 */
export class PresenceService {
  private readonly sockets = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  protected readonly listeners = new Set<Listener>();
  protected closed = false;

  constructor(
    protected readonly db: DataSource,
    protected readonly opts: PresenceOptions,
  ) {}

  /** Called for every state change (online / offline), e.g. to tell contacts. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  isOnline(userId: string): boolean {
    return (this.sockets.get(userId) ?? 0) > 0 || this.timers.has(userId);
  }

  /** `socketId` matters only to the Redis-backed presence (several nodes); in-process it is unused. */
  connected(appId: string, userId: string, _socketId?: string): void {
    const wasOnline = this.isOnline(userId);
    const timer = this.timers.get(userId);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(userId);
    }
    this.sockets.set(userId, (this.sockets.get(userId) ?? 0) + 1);
    if (!wasOnline) this.emit(appId, { userId, online: true, lastSeenAt: null });
  }

  disconnected(appId: string, userId: string, _socketId?: string): void {
    if (this.closed) return;
    const left = (this.sockets.get(userId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(userId, left);
      return;
    }
    this.sockets.delete(userId);
    this.timers.set(
      userId,
      setTimeout(() => {
        this.timers.delete(userId);
        if (this.isOnline(userId)) return;
        const now = Date.now();
        void this.db
          .getRepository(UserEntity)
          .update({ id: userId, appId }, { lastSeenAt: now })
          .catch(() => undefined)
          .finally(() => this.emit(appId, { userId, online: false, lastSeenAt: isoOrNull(now) }));
      }, this.opts.graceMs),
    );
  }

  /** Stops all pending timers (shutdown, tests). */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  protected emit(appId: string, p: Presence): void {
    for (const fn of this.listeners) fn(appId, p);
  }
}
