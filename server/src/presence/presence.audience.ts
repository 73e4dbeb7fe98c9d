import type { Presence } from "@parley/sdk/protocol";
import { In, type DataSource } from "typeorm";
import { BlockEntity, ContactEntity } from "../contacts/contact.entities.js";
import { MemberEntity } from "../conversations/member.entity.js";
import { chunks } from "../shared/chunks.js";
import { isoOrNull } from "../shared/time.js";
import { UserEntity } from "../users/user.entity.js";
import { showsLastSeen } from "../users/users.presenter.js";
import type { PresenceService } from "./presence.service.js";

/** People in one snapshot at most (contacts first); a bigger circle gets the rest from live changes. */
export const SNAPSHOT_MAX = 5000;

/**
 * Who sees whose presence: a user's contacts and everyone they share a conversation with, except
 * anyone with a block between them either way. `lastSeenAt` travels only if the user shows it.
 * Both directions are answered here in a constant number of queries: the audience of one change
 * (rooms to send it to), and the circle one connecting socket is told about (its snapshot).
 */
export class PresenceAudience {
  constructor(
    private readonly db: DataSource,
    private readonly presence: PresenceService,
  ) {}

  /** The user ids whose changes reach `userId`: contacts, then co-members, without blocks or themself. */
  async circleOf(appId: string, userId: string): Promise<string[]> {
    const [contacts, coMembers, blocked] = await Promise.all([
      this.db.getRepository(ContactEntity).find({ select: { contactId: true }, where: { appId, userId }, take: SNAPSHOT_MAX }),
      this.db
        .getRepository(MemberEntity)
        .createQueryBuilder("other")
        .select("DISTINCT other.userId", "userId")
        .innerJoin(MemberEntity, "mine", "mine.conversationId = other.conversationId")
        .where("mine.appId = :appId AND mine.userId = :userId", { appId, userId })
        .limit(SNAPSHOT_MAX)
        .getRawMany<{ userId: string }>(),
      this.blockedWith(appId, userId),
    ]);
    const out = new Set<string>();
    for (const id of [...contacts.map((c) => c.contactId), ...coMembers.map((m) => m.userId)]) {
      if (out.size >= SNAPSHOT_MAX) break;
      if (id !== userId && !blocked.has(id)) out.add(id);
    }
    return [...out];
  }

  /**
   * The presence of everyone in `userId`'s circle, as one snapshot. Online state and version come
   * from the presence service in one step, so they match: a change made after it carries a higher
   * version, one made before it a lower one (the client keeps the highest).
   */
  async snapshotFor(appId: string, userId: string): Promise<Presence[]> {
    return this.presenceOf(appId, await this.circleOf(appId, userId));
  }

  /** These users' presence, versioned in one step (see snapshotFor); lastSeenAt where they show it. */
  private async presenceOf(appId: string, circle: string[]): Promise<Presence[]> {
    if (circle.length === 0) return [];
    const { online, version } = await this.presence.snapshot(circle);
    const offline = circle.filter((id) => !online.has(id));
    const lastSeen = new Map<string, number | null>();
    for (const chunk of chunks(offline, 1000)) {
      const rows = await this.db.getRepository(UserEntity).find({
        select: { id: true, lastSeenAt: true, showLastSeen: true },
        where: { appId, id: In(chunk) },
      });
      for (const u of rows) lastSeen.set(u.id, showsLastSeen(u) ? u.lastSeenAt : null);
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

  /** Where one change goes: rooms of the user's conversations and contacts, minus blocks either way. */
  async deliveryOf(
    appId: string,
    p: Presence,
    rooms: { conv: (id: string) => string; user: (id: string) => string },
  ): Promise<{ rooms: string[]; except: string[]; payload: Presence }> {
    const userId = p.userId;
    const [convs, contacts, blocked, user] = await Promise.all([
      this.db.getRepository(MemberEntity).find({ select: { conversationId: true }, where: { appId, userId } }),
      this.db.getRepository(ContactEntity).find({ select: { contactId: true }, where: { appId, userId } }),
      this.blockedWith(appId, userId),
      p.lastSeenAt === null ? null : this.db.getRepository(UserEntity).findOne({ select: { id: true, showLastSeen: true }, where: { appId, id: userId } }),
    ]);
    return {
      rooms: [...convs.map((c) => rooms.conv(c.conversationId)), ...contacts.map((c) => rooms.user(c.contactId))],
      except: [...blocked].map(rooms.user),
      payload: user && !showsLastSeen(user) ? { ...p, lastSeenAt: null } : p,
    };
  }

  private async blockedWith(appId: string, userId: string): Promise<Set<string>> {
    const rows = await this.db.getRepository(BlockEntity).find({
      select: { blockerId: true, blockedId: true },
      where: [
        { appId, blockerId: userId },
        { appId, blockedId: userId },
      ],
    });
    return new Set(rows.map((b) => (b.blockerId === userId ? b.blockedId : b.blockerId)));
  }
}
