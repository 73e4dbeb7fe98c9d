import type { AuthResponse, Me } from "./protocol.js";

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
 * Holds the tokens. `refresh` is single-flight: however many calls hit `token_expired` at once,
 * one refresh goes out and they all wait for it.
 */
export class SessionManager {
  private session: Session | null;
  private inflight: Promise<Session> | null = null;

  constructor(
    private readonly storage: SessionStorage,
    private readonly key: string,
    private readonly doRefresh: (refreshToken: string) => Promise<AuthResponse>,
    private readonly onChange: (s: Session | null) => void,
  ) {
    this.session = parse(storage.get(key));
  }

  get current(): Session | null {
    return this.session;
  }

  set(auth: AuthResponse | Session | null): void {
    this.session = auth && { user: auth.user, accessToken: auth.accessToken, refreshToken: auth.refreshToken };
    if (this.session) this.storage.set(this.key, JSON.stringify(this.session));
    else this.storage.remove(this.key);
    this.onChange(this.session);
  }

  updateUser(user: Me): void {
    if (this.session) this.set({ ...this.session, user });
  }

  refresh(): Promise<Session> {
    if (this.inflight) return this.inflight;
    const s = this.session;
    if (!s) return Promise.reject(new Error("not signed in"));
    this.inflight = this.doRefresh(s.refreshToken)
      .then((auth) => {
        this.set(auth);
        return this.session!;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
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
