import type { JanodeConnection } from "janode";
import type { VideoRoomHandle } from "janode/plugins/videoroom";
import type { Logger } from "../../shared/logger.js";

/** How long a request to Janus may take before it counts as failed (janode itself waits forever). */
export const REQUEST_TIMEOUT_MS = 5000;
/** A server that could not be reached is not tried again for this long (a call's start never waits on a dead one twice in a row). */
const RETRY_AFTER_MS = 5000;
/** Rooms whose server this node remembers; past it the oldest are forgotten (and asked of the servers again when needed). */
const REMEMBERED_MAX = 10_000;

export function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`janus: ${what} timed out`)), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** janode, loaded on first use: a server without group calls never loads it (nor its native transport). */
export const janode = async () => {
  const [{ default: Janode }, { default: VideoRoom }] = await Promise.all([import("janode"), import("janode/plugins/videoroom")]);
  Janode.Logger.setLevel("none");
  return { Janode, VideoRoom };
};

/** This node's connection to one Janus, and a VideoRoom handle of its own for managing rooms. */
export interface JanusLink {
  conn: JanodeConnection;
  manager: VideoRoomHandle;
}

interface Server {
  url: string;
  link?: Promise<JanusLink> | undefined;
  /** Not tried again before this time (its last connection attempt failed). */
  retryAt: number;
}

/**
 * The Janus servers of JANUS_WS_URL (one or several, sharing JANUS_ADMIN_KEY), as this node sees
 * them: a connection to each, made when first needed and again after it is lost.
 *
 * - **Placement**: a new call's room goes to the least loaded server, by what each server says of
 *   itself (the VideoRoom's `list`: its rooms and their participants), not by what this node
 *   placed: every node places rooms, and only Janus knows them all. Load is participants plus
 *   rooms (a room that still rings has nobody in it yet, and will); ties go to the first listed.
 *   A server that does not answer is skipped.
 * - **Location**: which server holds a call's room (its number is derived from the call id, the
 *   same everywhere) is remembered where it was placed or found, and else asked of every server
 *   (`exists`): no node has to have placed it.
 * - **Loss**: a connection that closes (Janus stopped, crashed, or out of reach) takes the rooms
 *   remembered on it: they are lost, and `onLost` is told, for the calls on it to be ended. A
 *   server that cannot be reached holds no room as far as location goes.
 */
export class JanusServers {
  private readonly servers: Server[];
  /** callId → the server index holding its room; -1 once that server was lost. */
  private readonly where = new Map<string, number>();
  private closing = false;

  constructor(
    urls: readonly string[],
    private readonly logger: Logger,
    /** A server's connection was lost, with the calls this node knew were on it (others may be too). */
    private readonly onLost: (url: string, index: number) => void,
  ) {
    this.servers = urls.map((url) => ({ url, retryAt: 0 }));
  }

  get count(): number {
    return this.servers.length;
  }

  urlOf(index: number): string {
    return this.servers[index]!.url;
  }

  /** The connection to server `index` (made now if there is none); throws when it cannot be reached. */
  link(index: number): Promise<JanusLink> {
    const server = this.servers[index]!;
    if (server.link) return server.link;
    if (Date.now() < server.retryAt) return Promise.reject(new Error(`janus ${server.url}: not reachable, not retried yet`));
    const link = (async () => {
      const { Janode, VideoRoom } = await janode();
      // No retries of janode's own (it would wait 10 s between them): a dead server is skipped, and tried again later.
      const conn = await within(Janode.connect({ address: { url: server.url }, max_retries: 0 }), "connect");
      const lost = (): void => {
        if (server.link !== link) return;
        server.link = undefined;
        if (!this.closing) this.lose(index);
      };
      conn.once(Janode.EVENT.CONNECTION_CLOSED, lost);
      conn.once(Janode.EVENT.CONNECTION_ERROR, lost);
      const session = await within(conn.create(), "session");
      return { conn, manager: await within(session.attach(VideoRoom), "attach") };
    })();
    server.link = link;
    link.catch((err: unknown) => {
      if (server.link !== link) return;
      server.link = undefined;
      server.retryAt = Date.now() + RETRY_AFTER_MS;
      this.logger.warn({ err, janus: server.url }, "janus not reachable");
    });
    return link;
  }

  /** The servers in the order a new room should try them: least loaded first; those that did not answer left out. */
  async byLoad(): Promise<number[]> {
    const loads = await Promise.all(
      this.servers.map(async (_, i) => {
        try {
          const { manager } = await this.link(i);
          const res = await within(manager.message({ request: "list" }), "list");
          const rooms = (res.plugindata?.data?.["list"] ?? res["list"] ?? []) as { num_participants?: number }[];
          return { i, load: rooms.reduce((n, r) => n + 1 + (r.num_participants ?? 0), 0) };
        } catch (err) {
          this.logger.debug({ err, janus: this.servers[i]!.url }, "janus left out of placement");
          return null;
        }
      }),
    );
    return loads
      .filter((l): l is { i: number; load: number } => l !== null)
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .map((l) => l.i);
  }

  /** Remembers that the call's room is on server `index`. */
  remember(callId: string, index: number): void {
    this.where.delete(callId);
    this.where.set(callId, index);
    if (this.where.size > REMEMBERED_MAX) this.where.delete(this.where.keys().next().value!);
  }

  forget(callId: string): void {
    this.where.delete(callId);
  }

  /**
   * The server holding the call's room, or null when none does (its server was lost, or it was
   * destroyed). Throws when a server that is up did not answer: nobody can tell then.
   */
  async locate(callId: string, room: number): Promise<number | null> {
    const known = this.where.get(callId);
    if (known !== undefined) return known < 0 ? null : known;
    const found = await Promise.all(
      this.servers.map(async (_, i) => {
        let link: JanusLink;
        try {
          link = await this.link(i);
        } catch {
          return false; // out of reach: it holds no room that anyone can use
        }
        return (await within(link.manager.exists({ room }), "exists")).exists;
      }),
    );
    const at = found.indexOf(true);
    if (at < 0) return null;
    this.remember(callId, at);
    return at;
  }

  async close(): Promise<void> {
    this.closing = true;
    const links = this.servers.map((s) => s.link);
    for (const s of this.servers) s.link = undefined;
    await Promise.all(links.map(async (l) => (await l?.catch(() => undefined))?.conn.close().catch(() => undefined)));
  }

  /** Server `index` is gone: the rooms remembered on it are lost with it. */
  private lose(index: number): void {
    for (const [callId, at] of this.where) if (at === index) this.where.set(callId, -1);
    this.logger.warn({ janus: this.servers[index]!.url }, "janus connection lost: its calls end");
    this.onLost(this.servers[index]!.url, index);
  }
}
