import { ChatError } from "./errors.js";
import type { AuthResponse, Me } from "./protocol/index.js";

/** Where a session is kept between page loads: memory by default, localStorage when asked. */
export interface SessionStorage {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

export interface Session {
  user: Me;
  accessToken: string;
  refreshToken: string;
}

export function memoryStorage(): SessionStorage {
  const m = new Map<string, string>();
  return { get: (k) => m.get(k) ?? null, set: (k, v) => void m.set(k, v), remove: (k) => void m.delete(k) };
}

/** `localStorage`, when there is one (browsers); memory otherwise. */
export function localStorageOrMemory(): SessionStorage {
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (!ls) return memoryStorage();
  return { get: (k) => ls.getItem(k), set: (k, v) => ls.setItem(k, v), remove: (k) => ls.removeItem(k) };
}

/**
 * Holds the tokens, in step with other tabs that share the storage (`shared`). Every change is
 * announced on a BroadcastChannel and the others re-read the storage: a sign-in, a sign-out or a
 * refresh in one tab is every tab's. `refresh` is single-flight in a tab and, shared, runs under
 * a lock all tabs take (Web Locks): it re-reads the stored session first and stops there if
 * another tab has refreshed since, so an expiry costs one refresh, not one per tab (two tabs
 * presenting one refresh token would otherwise look like a theft and end the session).
 * A refused refresh ends the session.
 */
export class SessionManager {
  private session: Session | null = null;
  /** The stored form of `session`, to tell another tab's change from ours. */
  private raw: string | null = null;
  private inflight: Promise<Session> | null = null;
  private readonly channel: BroadcastChannel | undefined;

  constructor(
    private readonly storage: SessionStorage,
    private readonly key: string,
    private readonly doRefresh: (refreshToken: string) => Promise<AuthResponse>,
    /** `remote`: the change came from another tab (through the storage). */
    private readonly onChange: (s: Session | null, remote: boolean) => void,
    private readonly opts: { shared?: boolean } = {},
  ) {
    this.load();
    if (opts.shared && typeof BroadcastChannel === "function") {
      this.channel = new BroadcastChannel(key);
      this.channel.onmessage = () => this.reload();
      // Node: listening must not keep the process alive.
      (this.channel as { unref?(): void }).unref?.();
    }
  }

  get current(): Session | null {
    return this.session;
  }

  set(auth: AuthResponse | Session | null): void {
    this.session = auth && { user: auth.user, accessToken: auth.accessToken, refreshToken: auth.refreshToken };
    this.raw = this.session && JSON.stringify(this.session);
    if (this.raw) this.storage.set(this.key, this.raw);
    else this.storage.remove(this.key);
    this.channel?.postMessage(0);
    this.onChange(this.session, false);
  }

  updateUser(user: Me): void {
    if (this.session) this.set({ ...this.session, user });
  }

  /** Adopts the stored session if another tab changed it; returns it. */
  reload(): Session | null {
    if (this.load()) this.onChange(this.session, true);
    return this.session;
  }

  /** `stale`: the access token the server refused; if another tab has stored a newer one, that is adopted instead. */
  refresh(stale = this.session?.accessToken): Promise<Session> {
    if (this.inflight) return this.inflight;
    const was = this.session;
    const run = async (): Promise<Session> => {
      const s = this.reload();
      if (!s || s.user.id !== was?.user.id) throw signedOut();
      if (s.accessToken !== stale) return s; // another tab refreshed already
      const raw = this.raw;
      try {
        this.set(await this.doRefresh(s.refreshToken));
      } catch (err) {
        // Refused: the session is over, unless another tab has stored a new one meanwhile.
        if (err instanceof ChatError && !err.retryable) {
          if (this.storage.get(this.key) === raw) this.set(null);
          else this.reload();
        }
        throw err;
      }
      return this.session!;
    };
    this.inflight = (this.opts.shared ? locked(this.key, run) : run()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Reads the storage; true when it differs from what this tab last saw. */
  private load(): boolean {
    const raw = this.storage.get(this.key);
    if (raw === this.raw) return false;
    this.raw = raw;
    this.session = parse(raw);
    return true;
  }
}

/** What a call or send gets once the session it was made in has ended. */
export const signedOut = (): ChatError => new ChatError("not_signed_in", "Signed out: the session has ended");
/** A call that needs a session, made before any sign-in. */
export const notSignedIn = (): ChatError => new ChatError("not_signed_in", "Sign in first");

const chains = new Map<string, Promise<unknown>>();

/** Runs `fn` holding the named lock: across tabs with Web Locks, else within this JS realm. */
function locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks) return locks.request(name, fn) as Promise<unknown> as Promise<T>;
  const run = (chains.get(name) ?? Promise.resolve()).then(fn);
  chains.set(
    name,
    run.catch(() => undefined),
  );
  return run;
}

function parse(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.accessToken === "string" && typeof s.refreshToken === "string" && s.user ? s : null;
  } catch {
    return null;
  }
}
