import type { DataSource } from "typeorm";
import type { Draft, DraftUpdatedEvent, Page } from "@parley/sdk/protocol";
import { MemberEntity } from "../conversations/member.entity.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { UserCaller } from "../shared/caller.js";
import { DraftEntity } from "./draft.entity.js";
import { cursorOf, parseCursor, presentDraft } from "./drafts.presenter.js";
import type { DeleteDraft, ListDrafts, SaveDraft } from "./drafts.schema.js";

/** Where `draft.updated` goes live: the realtime layer plugs in the user's room (every device, every node). */
export interface DraftOutlet {
  updated(userId: string, e: DraftUpdatedEvent): void;
}

export interface DraftsDeps {
  db: DataSource;
  uow: UnitOfWork;
  membership: Pick<MembershipGuard, "require">;
}

const NO_OUTLET: DraftOutlet = { updated: () => {} };

/**
 * Drafts that follow the user (issue 55): the owner of `drafts`. A member saves one draft per
 * conversation (saved over in place; a blank one with no reply target deletes it); a non-member
 * gets the 404 of a conversation that does not exist. A draft is the user's own and private:
 * its change is written without an event (no seq: never in /sync, search, webhooks or push), and
 * after the commit told to the user's own sockets only, as `draft.updated` with the saving
 * client's `origin`. Nothing of a send touches this table (sends stay one unit on their hot path):
 * the client that sends deletes the draft (sdk/src/drafts.ts). A user who leaves or is removed
 * keeps the row, but the list shows only drafts of conversations they are a member of; it goes
 * with the account.
 */
export class DraftsService {
  private outlet: DraftOutlet = NO_OUTLET;

  constructor(private readonly deps: DraftsDeps) {}

  /** The realtime layer's way in; returns what unplugs it (a test's services outlive their server). */
  attachSockets(outlet: DraftOutlet): () => void {
    this.outlet = outlet;
    return () => {
      if (this.outlet === outlet) this.outlet = NO_OUTLET;
    };
  }

  /** Saves the caller's draft of a conversation; null when a blank one without a reply target deleted it. */
  async save(caller: UserCaller, input: SaveDraft): Promise<Draft | null> {
    const replyTo = input.replyTo ?? null;
    if (input.text.trim() === "" && replyTo === null) {
      await this.delete(caller, { conversationId: input.conversationId, origin: input.origin });
      return null;
    }
    const row: DraftEntity = {
      appId: caller.appId,
      userId: caller.user,
      conversationId: input.conversationId,
      text: input.text,
      replyToId: replyTo === null ? null : Number(replyTo),
      updatedAt: Date.now(),
    };
    await this.deps.uow.run(async ({ m }) => {
      await this.deps.membership.require(caller.appId, input.conversationId, caller.user, m);
      // One statement whoever saved first: two devices saving at once (on two nodes) never collide.
      await m.upsert(DraftEntity, row, ["appId", "userId", "conversationId"]);
    });
    const draft = presentDraft(row);
    this.tell(caller.user, { conversationId: row.conversationId, draft, origin: input.origin });
    return draft;
  }

  /** Deletes the caller's draft of a conversation; nothing there is no error (idempotent), and tells no one. */
  async delete(caller: UserCaller, input: DeleteDraft): Promise<void> {
    const gone = await this.deps.uow.run(async ({ m }) => {
      await this.deps.membership.require(caller.appId, input.conversationId, caller.user, m);
      const res = await m.delete(DraftEntity, { appId: caller.appId, userId: caller.user, conversationId: input.conversationId });
      return (res.affected ?? 0) > 0;
    });
    if (gone) this.tell(caller.user, { conversationId: input.conversationId, draft: null, origin: input.origin });
  }

  /**
   * The caller's drafts of conversations they are a member of, newest first; keyset on
   * (updatedAt, conversationId). A conversation left, removed from or deleted has no member row:
   * its draft is not listed.
   */
  async list(caller: UserCaller, q: ListDrafts): Promise<Page<Draft>> {
    const after = parseCursor(q.cursor);
    const qb = this.deps.db
      .getRepository(DraftEntity)
      .createQueryBuilder("d")
      .innerJoin(MemberEntity, "mb", "mb.conversationId = d.conversationId AND mb.userId = d.userId")
      .where("d.appId = :appId AND d.userId = :userId", { appId: caller.appId, userId: caller.user });
    if (after) qb.andWhere("(d.updatedAt < :at OR (d.updatedAt = :at AND d.conversationId < :id))", { at: after.at, id: after.id });
    const rows = await qb
      .orderBy("d.updatedAt", "DESC")
      .addOrderBy("d.conversationId", "DESC")
      .limit(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(presentDraft), nextCursor: rows.length > q.limit && last ? cursorOf(last) : null };
  }

  private tell(userId: string, e: DraftUpdatedEvent): void {
    this.outlet.updated(userId, e.origin === undefined ? { conversationId: e.conversationId, draft: e.draft } : e);
  }
}
