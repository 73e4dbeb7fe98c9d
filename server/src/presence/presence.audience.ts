import type { Presence } from "@parley/sdk/protocol";
import { In, type DataSource } from "typeorm";
import { BlockEntity } from "../contacts/contact.entities.js";
import { dialectOf, marks } from "../db/sql.js";
import { batchedRead } from "../db/read-batch.js";
import { chunks } from "../shared/chunks.js";
import { isoOrNull } from "../shared/time.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { showsLastSeen } from "../users/users.presenter.js";
import type { PresenceService } from "./presence.service.js";

/** People in one snapshot at most (contacts first); a bigger circle gets the rest from live changes. */
export const SNAPSHOT_MAX = 5000;

/** What one user's presence travels along, as read at one moment by `relationsOf`. */
export interface Relations {
  userId: string;
  /** The conversations they belong to (a change of theirs goes to these rooms); read for a delivery. */
  conversationIds: string[];
  /** Their contacts: all of them for a delivery, SNAPSHOT_MAX for a circle alone. */
  contacts: string[];
  /** Up to SNAPSHOT_MAX people they share a conversation with; read for a circle. */
  coMembers: string[];
  /** Everyone with a block between them and the user, either way. */
  blocked: Set<string>;
  /** They hide their lastSeenAt (PATCH /me { showLastSeen: false }); read when asked. */
  hidesLastSeen: boolean;
}

/** The parts of `Relations` to read: a circle (a snapshot), a delivery (rooms), whether lastSeenAt is hidden. */
export interface RelationsWanted {
  circle?: boolean;
  delivery?: boolean;
  lastSeen?: boolean;
}

/** The user whose socket is being marked connected, while `PresenceService.connected` runs (see snapshotOnConnect). */
interface Connecting {
  appId: string;
  userId: string;
  relations?: Promise<Relations>;
}

/**
 * Who sees whose presence: a user's contacts and everyone they share a conversation with, except
 * anyone with a block between them either way. `lastSeenAt` travels only if the user shows it.
 * Both directions are answered here in a constant number of queries: the audience of one change
 * (rooms to send it to), and the circle one connecting socket is told about (its snapshot).
 *
 * A user's relations (contacts, conversations, co-members, blocks) are one statement, never
 * cached: each snapshot and each change reads them afresh, so a block or a membership made a
 * moment before holds. A connect that brings its user online reads them once for both its
 * snapshot and the announcement (snapshotOnConnect).
 */
export class PresenceAudience {
  private connecting: Connecting | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly presence: PresenceService,
    /** PRESENCE_GROUP_MAX: the largest conversation whose members are pushed each other's presence. */
    private readonly groupMax: number,
    /** The app cache every request and handshake reads the app through (an app's own group size). */
    private readonly apps: Pick<AppsService, "findAny">,
  ) {}

  /**
   * A condition on the conversation of the member row `alias`: it is small enough for its members
   * to be pushed each other's presence, at most the `?` bound after it (the app's group size:
   * `groupMaxOf`). It has no (size + 1)-th member in the members' primary key order (conversationId,
   * userId): at most size + 1 index entries a conversation. A COUNT read the whole group, so n
   * members of a big group coming online read n rows each, n² in all (issue 56).
   */
  private small(alias: string): string {
    return `(SELECT n.userId FROM members n WHERE n.conversationId = ${alias}.conversationId ORDER BY n.userId LIMIT 1 OFFSET ?) IS NULL`;
  }

  /**
   * The largest conversation whose members are pushed each other's presence in `appId`: its own
   * size, else the server's. From the app cache the connect's handshake has just used, not a read
   * a connect (issue 56): a change made in the console applies on its node at once and on the
   * others within seconds (ops/app-watch.ts), as the app's other settings do.
   */
  private async groupMaxOf(appId: string): Promise<number> {
    const max = (await this.apps.findAny(appId))?.presenceGroupMax;
    return max === null || max === undefined ? this.groupMax : Number(max);
  }

  /**
   * `userId`'s relations, the parts `want` names, in one statement (a UNION ALL of index ranges:
   * contacts by their primary key, memberships by ix_members_user, co-members through the
   * conversations' primary key, blocks by their primary key and ix_blocks_blocked). Conversations
   * above the app's presence group size are left out of the circle and of the delivery: their
   * members see each other's presence on request (`watchable`).
   */
  async relationsOf(appId: string, userId: string, want: RelationsWanted): Promise<Relations> {
    // Asked first: the bound of `small` is a number in the statement (an OFFSET), not a subquery.
    const groupMax = want.circle || want.delivery ? await this.groupMaxOf(appId) : 0;
    const parts: string[] = [];
    const params: unknown[] = [];
    const part = (sql: string, ...more: unknown[]): void => {
      parts.push(sql);
      params.push(appId, userId, ...more);
    };
    // A delivery needs every contact's room; a circle alone no more than it can show.
    part(`SELECT 'c' AS k, id FROM (SELECT contactId AS id FROM contacts WHERE appId = ? AND userId = ?${want.delivery ? "" : ` LIMIT ${SNAPSHOT_MAX}`}) c`);
    if (want.circle) {
      part(
        `SELECT 'm' AS k, id FROM (SELECT DISTINCT other.userId AS id FROM members mine JOIN members other ON other.conversationId = mine.conversationId
          WHERE mine.appId = ? AND mine.userId = ? AND ${this.small("mine")} LIMIT ${SNAPSHOT_MAX}) m`,
        groupMax,
      );
    }
    if (want.delivery) part(`SELECT 'v' AS k, conversationId AS id FROM members mine WHERE appId = ? AND userId = ? AND ${this.small("mine")}`, groupMax);
    part("SELECT 'b' AS k, blockedId AS id FROM blocks WHERE appId = ? AND blockerId = ?");
    part("SELECT 'b' AS k, blockerId AS id FROM blocks WHERE appId = ? AND blockedId = ?");
    if (want.lastSeen) part("SELECT 'h' AS k, id FROM users WHERE appId = ? AND id = ? AND showLastSeen = 0");
    const rows: { k: string; id: string }[] = await batchedRead(this.db, parts.join(" UNION ALL "), params);
    const r: Relations = { userId, conversationIds: [], contacts: [], coMembers: [], blocked: new Set(), hidesLastSeen: false };
    for (const { k, id } of rows) {
      if (k === "c") r.contacts.push(id);
      else if (k === "m") r.coMembers.push(id);
      else if (k === "v") r.conversationIds.push(id);
      else if (k === "b") r.blocked.add(id);
      else if (k === "h") r.hidesLastSeen = true;
    }
    return r;
  }

  /**
   * Those of `ids` whose presence `userId` may ask for (`presence.watch`): a contact, or someone
   * they share a conversation with, of any size; never themself, never across a block either
   * way. One statement; `ids` is bounded by the caller (WATCH_MAX).
   */
  async watchable(appId: string, userId: string, ids: string[]): Promise<string[]> {
    const asked = [...new Set(ids)].filter((id) => id !== userId);
    if (asked.length === 0) return [];
    const list = marks(asked.length);
    const rows: { k: string; id: string }[] = await this.db.query(
      `SELECT 'r' AS k, other.userId AS id FROM members other WHERE other.appId = ? AND other.userId IN (${list})
         AND EXISTS (SELECT 1 FROM members mine WHERE mine.conversationId = other.conversationId AND mine.userId = ?)
       UNION ALL SELECT 'r' AS k, contactId AS id FROM contacts WHERE appId = ? AND userId = ? AND contactId IN (${list})
       UNION ALL SELECT 'b' AS k, blockedId AS id FROM blocks WHERE appId = ? AND blockerId = ? AND blockedId IN (${list})
       UNION ALL SELECT 'b' AS k, blockerId AS id FROM blocks WHERE appId = ? AND blockedId = ? AND blockerId IN (${list})`,
      [appId, ...asked, userId, appId, userId, ...asked, appId, userId, ...asked, appId, userId, ...asked],
    );
    const blocked = new Set(rows.filter((r) => r.k === "b").map((r) => r.id));
    const related = new Set(rows.filter((r) => r.k === "r" && !blocked.has(r.id)).map((r) => r.id));
    return asked.filter((id) => related.has(id));
  }

  /**
   * Whether a conversation of `memberCount` members has its members pushed each other's presence
   * in this app (a join introduces them to each other only then).
   */
  async pushesPresence(appId: string, memberCount: number): Promise<boolean> {
    return memberCount <= (await this.groupMaxOf(appId));
  }

  /** The user ids whose changes reach the user: contacts, then co-members, without blocks or themself. */
  static circleOf(r: Relations): string[] {
    const out = new Set<string>();
    for (const id of [...r.contacts, ...r.coMembers]) {
      if (out.size >= SNAPSHOT_MAX) break;
      if (id !== r.userId && !r.blocked.has(id)) out.add(id);
    }
    return [...out];
  }

  /**
   * The presence of everyone in `userId`'s circle, as one snapshot. Online state and version come
   * from the presence service in one step, so they match: a change made after it carries a higher
   * version, one made before it a lower one (the client keeps the highest). `relations`, when
   * given, is a read with its circle started for this snapshot (snapshotOnConnect); else it reads.
   */
  async snapshotFor(appId: string, userId: string, relations?: Promise<Relations>): Promise<Presence[]> {
    const r = await (relations ?? this.relationsOf(appId, userId, { circle: true }));
    return this.presenceOf(appId, PresenceAudience.circleOf(r));
  }

  /**
   * The snapshot of a socket connecting now; `connect` marks it connected (PresenceService.connected).
   * When that brings its user online and the change is announced within the call (in-process
   * presence does; through Redis it is announced a round trip later, and each reads its own), the
   * announcement's relations read, started after the state changed (deliveryOf), is this
   * snapshot's circle too.
   */
  snapshotOnConnect(appId: string, userId: string, connect: () => void): Promise<Presence[]> {
    const mine: Connecting = { appId, userId };
    this.connecting = mine;
    try {
      connect();
    } finally {
      this.connecting = undefined;
    }
    return this.snapshotFor(appId, userId, mine.relations);
  }

  /** These users' presence, versioned in one step (see snapshotFor); lastSeenAt where they show it. */
  async presenceOf(appId: string, circle: string[]): Promise<Presence[]> {
    if (circle.length === 0) return [];
    const { online, version } = await this.presence.snapshot(circle);
    const offline = circle.filter((id) => !online.has(id));
    const lastSeen = new Map<string, number | null>();
    for (const chunk of chunks(offline, 1000)) {
      // Plain SQL: this runs at most connects, and TypeORM's find() cost more than the statement.
      // The primary key pinned: with a long IN list, MariaDB without statistics and SQLite with
      // them scanned a small users table (query-plans.test), and a plan must not depend on them.
      // SQLite names a text primary key's index itself: sqlite_autoindex_users_1.
      const users = dialectOf(this.db) === "mysql" ? "users FORCE INDEX (PRIMARY)" : "users INDEXED BY sqlite_autoindex_users_1";
      const rows: { id: string; lastSeenAt: number | string | null; showLastSeen: number | boolean | null }[] = await this.db.query(
        `SELECT id, lastSeenAt, showLastSeen FROM ${users} WHERE appId = ? AND id IN (${marks(chunk.length)})`,
        [appId, ...chunk],
      );
      for (const u of rows) {
        const shown = showsLastSeen({ showLastSeen: u.showLastSeen === null ? true : Boolean(Number(u.showLastSeen)) });
        lastSeen.set(u.id, shown && u.lastSeenAt !== null ? Number(u.lastSeenAt) : null);
      }
    }
    return circle.map((id) => ({
      userId: id,
      online: online.has(id),
      lastSeenAt: online.has(id) ? null : isoOrNull(lastSeen.get(id) ?? null),
      ...(version === undefined ? {} : { version }),
    }));
  }

  /**
   * When people become related (a new conversation, new members, an accepted contact), each
   * `viewer` is told the presence of each `subject` (blocks either way left out): nothing else
   * would tell them until someone's presence changes. Viewers with the same view share one
   * payload. Constant queries per 1,000 viewers.
   */
  async introductions(appId: string, viewers: string[], subjects: string[]): Promise<{ viewers: string[]; users: Presence[] }[]> {
    const targets = [...new Set(viewers)].slice(0, SNAPSHOT_MAX);
    const people = [...new Set(subjects)].slice(0, SNAPSHOT_MAX);
    if (targets.length === 0 || people.length === 0) return [];
    const blocks = new Map<string, Set<string>>();
    for (const chunk of chunks(targets, 1000)) {
      const rows = await this.db.getRepository(BlockEntity).find({
        select: { blockerId: true, blockedId: true },
        where: [
          { appId, blockerId: In(chunk), blockedId: In(people) },
          { appId, blockerId: In(people), blockedId: In(chunk) },
        ],
      });
      for (const b of rows) {
        for (const [viewer, other] of [
          [b.blockerId, b.blockedId],
          [b.blockedId, b.blockerId],
        ] as const) {
          const set = blocks.get(viewer) ?? new Set<string>();
          set.add(other);
          blocks.set(viewer, set);
        }
      }
    }
    const users = await this.presenceOf(appId, people);
    const open = targets.filter((v) => !blocks.has(v));
    return [
      ...(open.length ? [{ viewers: open, users }] : []),
      ...targets.filter((v) => blocks.has(v)).map((v) => ({ viewers: [v], users: users.filter((u) => !blocks.get(v)!.has(u.userId)) })),
    ];
  }

  /**
   * Where one change goes: rooms of the user's conversations (those small enough) and contacts,
   * and the sockets watching them, minus blocks either
   * way, read once the change is made (it is announced after its state is set). A change that
   * brings online the user of a socket connecting now shares this read with its snapshot
   * (snapshotOnConnect): the read starts here, synchronously, inside that connect.
   */
  async deliveryOf(
    appId: string,
    p: Presence,
    rooms: { conv: (id: string) => string; user: (id: string) => string; watch: (id: string) => string },
  ): Promise<{ rooms: string[]; except: string[]; payload: Presence }> {
    const c = this.connecting;
    const shared = c !== undefined && p.online && c.appId === appId && c.userId === p.userId && c.relations === undefined;
    const relations = this.relationsOf(appId, p.userId, { delivery: true, circle: shared, lastSeen: p.lastSeenAt !== null });
    if (shared) c.relations = relations;
    const r = await relations;
    return {
      // And whoever watches them (presence.watch): the members of their big groups who look at them.
      rooms: [...r.conversationIds.map(rooms.conv), ...r.contacts.map(rooms.user), rooms.watch(p.userId)],
      except: [...r.blocked].map(rooms.user),
      payload: r.hidesLastSeen && p.lastSeenAt !== null ? { ...p, lastSeenAt: null } : p,
    };
  }
}
