import type { DataSource, EntityManager, Repository } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import { dialectOf, valuesTable } from "../db/sql.js";
import { batchedRead } from "../db/read-batch.js";
import { onPrimary } from "../db/read-replicas.js";
import { MemberEntity } from "./member.entity.js";

/**
 * The conversations domain's side of the members table that other domains use: the one place
 * that answers "may this user touch this conversation?", and where read marks move. A non-member gets the
 * same 404 as for a conversation that does not exist (or belongs to another app). Its answers
 * come from the primary even on a route that reads a replica (db/read-replicas.ts): who may read
 * is never a little behind.
 */
export class MembershipGuard {
  private readonly repo: Repository<MemberEntity>;

  constructor(private readonly db: DataSource) {
    this.repo = db.getRepository(MemberEntity);
  }

  /** The caller's membership, or 404. */
  async require(appId: string, conversationId: string, userId: string, m?: EntityManager): Promise<MemberEntity> {
    if (!canExist(conversationId)) throw notFound("Conversation");
    const repo = m ? m.getRepository(MemberEntity) : this.repo;
    const member = await onPrimary(() => repo.findOneBy({ appId, conversationId, userId }));
    // Exact match: MySQL's unicode_ci would also find `CNV_…` for `cnv_…`.
    if (!member || member.conversationId !== conversationId || member.userId !== userId) throw notFound("Conversation");
    return member;
  }

  /** Like `require`, and the member must be an owner or admin (403 otherwise). */
  async requireAdmin(appId: string, conversationId: string, userId: string, m?: EntityManager): Promise<MemberEntity> {
    const member = await this.require(appId, conversationId, userId, m);
    if (member.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may do this");
    return member;
  }

  /** User ids of all members of a conversation. */
  async memberIds(conversationId: string, m?: EntityManager): Promise<string[]> {
    const repo = m ? m.getRepository(MemberEntity) : this.repo;
    const rows = await onPrimary(() => repo.find({ select: { userId: true }, where: { conversationId } }));
    return rows.map((r) => r.userId);
  }

  /**
   * Ids of the conversations a user belongs to (joined to their socket rooms at every connect):
   * plain SQL on ix_members_user, as the repository's `find` spent more CPU building the
   * statement and its entities than running it (issue 34).
   */
  async conversationIds(appId: string, userId: string): Promise<string[]> {
    const rows: { conversationId: string }[] = await onPrimary(() =>
      batchedRead(this.db, "SELECT conversationId FROM members WHERE appId = ? AND userId = ?", [appId, userId]),
    );
    return rows.map((r) => r.conversationId);
  }

  /** Inside the caller's unit: moves a read mark forward (never back); true when it moved. */
  async advanceReadMark(m: EntityManager, conversationId: string, userId: string, messageId: number): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(MemberEntity)
      .set({ lastReadMessageId: messageId })
      .where("conversationId = :conversationId AND userId = :userId AND lastReadMessageId < :messageId", { conversationId, userId, messageId })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /**
   * Inside a send's unit: sending reads everything before, so the senders' read marks move forward
   * (never back), in one UPDATE. With `afterInsert` (MySQL), each id is an offset from the first id
   * of the unit's statement just before, the messages' INSERT (see touchLastMessages).
   */
  async advanceReadMarks(m: EntityManager, marksToSet: { conversationId: string; userId: string; id: number }[], afterInsert = false): Promise<void> {
    const dialect = dialectOf(m);
    const v = valuesTable(
      dialect,
      ["c", "u", "id"],
      marksToSet.map((r) => [r.conversationId, r.userId, r.id]),
    );
    if (afterInsert && dialect !== "mysql") throw new Error("advanceReadMarks: ids after an INSERT are for MySQL");
    const id = afterInsert ? "LAST_INSERT_ID() + v.id" : "v.id";
    const sql =
      dialect === "mysql"
        ? `UPDATE members mb JOIN ${v.sql} ON mb.conversationId = v.c AND mb.userId = v.u SET mb.lastReadMessageId = ${id} WHERE mb.lastReadMessageId < ${id}`
        : `UPDATE members SET lastReadMessageId = v.id FROM ${v.sql} WHERE members.conversationId = v.c AND members.userId = v.u AND members.lastReadMessageId < v.id`;
    await deferWrite(m, sql, v.params);
  }
}
