import type { DataSource, EntityManager } from "typeorm";
import type { Page, ScheduledMessage } from "@parley/sdk/protocol";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import type { ServerCaller, UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import type { UsersService } from "../users/users.service.js";
import { ScheduledMessageEntity } from "./scheduled.entities.js";
import { cursorOf, pageOf, parseCursor, presentScheduled } from "./scheduled.presenter.js";
import {
  type EditScheduled,
  type ListScheduled,
  SCHEDULED_LIMITS,
  type ScheduleMessage,
  type ScheduledRef,
  type ServerListScheduled,
} from "./scheduled.schema.js";
import type { ScheduledSweep } from "./scheduled-sweep.js";

export interface ScheduledDeps {
  db: DataSource;
  uow: UnitOfWork;
  membership: Pick<MembershipGuard, "require">;
  users: Pick<UsersService, "findBySub">;
  sweep: Pick<ScheduledSweep, "claim" | "send">;
}

/** Someone is sending it right now (a node took it, or it waits for a retry): too late to change it. */
const sending = (): AppError => new AppError("conflict", "This message is being sent: it can no longer be changed", { reason: "sending" });

/**
 * Scheduled sends (issue 55): the owner of scheduled_messages. A user schedules a message in a
 * conversation they are a member of (checked again when it is sent: scheduled-sweep.ts), keeps at
 * most SCHEDULED_LIMITS.pendingPerUser pending, and edits, cancels or sends it now while nobody has
 * taken it (`dueAt = sendAt`; a taken one is a 409 `sending`). Another user's, or another app's, is
 * a 404. Each change is one unit with a user-only event to the author's devices.
 */
export class ScheduledService {
  constructor(private readonly deps: ScheduledDeps) {}

  async schedule(caller: UserCaller, input: ScheduleMessage): Promise<ScheduledMessage> {
    await this.deps.membership.require(caller.appId, input.conversationId, caller.user);
    return this.deps.uow.run(async ({ m, emit }) => {
      const pending = await m.countBy(ScheduledMessageEntity, { appId: caller.appId, userId: caller.user, status: "pending" });
      if (pending >= SCHEDULED_LIMITS.pendingPerUser)
        throw new AppError("conflict", `At most ${SCHEDULED_LIMITS.pendingPerUser} scheduled messages wait at once: cancel or send one first`, {
          reason: "limit",
          limit: SCHEDULED_LIMITS.pendingPerUser,
        });
      const now = Date.now();
      const row: ScheduledMessageEntity = {
        id: newId("sch"),
        appId: caller.appId,
        userId: caller.user,
        conversationId: input.conversationId,
        text: input.text,
        replyToId: input.replyToId === undefined ? null : Number(input.replyToId),
        sendAt: input.sendAt,
        dueAt: input.sendAt,
        attempts: 0,
        status: "pending",
        messageId: null,
        failureCode: null,
        createdAt: now,
        updatedAt: now,
      };
      await m.insert(ScheduledMessageEntity, row);
      return this.updated(emit, row);
    });
  }

  /** The caller's scheduled messages (pending, sent and failed), soonest first; keyset on (sendAt, id). */
  async list(caller: UserCaller, q: ListScheduled): Promise<Page<ScheduledMessage>> {
    return this.page(caller.appId, caller.user, q);
  }

  /** The host's backend: a user's (by `sub`). */
  async listOf(caller: ServerCaller, q: ServerListScheduled): Promise<Page<ScheduledMessage>> {
    const user = await this.deps.users.findBySub(caller.appId, q.sub);
    if (!user) throw new AppError("not_found", "No user of this app has this sub", { subs: [q.sub] });
    return this.page(caller.appId, user.id, q);
  }

  async edit(caller: UserCaller, input: EditScheduled): Promise<ScheduledMessage> {
    return this.deps.uow.run(async ({ m, emit }) => {
      const row = await this.mine(m, caller.appId, input.id, caller.user);
      if (row.status !== "pending") throw new AppError("conflict", `This message is ${row.status} already`, { reason: row.status });
      const next = { ...row, ...(input.text !== undefined ? { text: input.text } : {}), updatedAt: Date.now() };
      if (input.sendAt !== undefined) Object.assign(next, { sendAt: input.sendAt, dueAt: input.sendAt });
      const res = await m
        .createQueryBuilder()
        .update(ScheduledMessageEntity)
        .set({ text: next.text, sendAt: next.sendAt, dueAt: next.sendAt, updatedAt: next.updatedAt })
        .where("id = :id AND status = 'pending' AND dueAt = :sendAt", { id: row.id, sendAt: row.sendAt })
        .execute();
      if (res.affected !== 1) throw sending();
      return this.updated(emit, next);
    });
  }

  /** Cancels a pending one (not once taken), or forgets a sent or failed one. */
  async cancel(caller: UserCaller, input: ScheduledRef): Promise<void> {
    await this.remove(caller.appId, input.id, caller.user);
  }

  /** The host's backend cancels any scheduled message of its app. */
  async cancelAny(caller: ServerCaller, input: ScheduledRef): Promise<void> {
    await this.remove(caller.appId, input.id);
  }

  /** Sends a pending one at once, as its time would: answers it sent, or failed with the send's code. */
  async sendNow(caller: UserCaller, input: ScheduledRef): Promise<ScheduledMessage> {
    const row = await this.mine(this.deps.db.manager, caller.appId, input.id, caller.user);
    if (row.status !== "pending") throw new AppError("conflict", `This message is ${row.status} already`, { reason: row.status });
    if (row.dueAt !== row.sendAt) throw sending();
    const lease = await this.deps.sweep.claim(ScheduledMessageEntity, { id: row.id, dueAt: row.sendAt }, Date.now());
    if (lease === undefined) throw sending();
    return presentScheduled(await this.deps.sweep.send({ ...row, dueAt: lease }, lease));
  }

  private async remove(appId: string, id: string, userId?: string): Promise<void> {
    await this.deps.uow.run(async ({ m, emit }) => {
      const row = await this.mine(m, appId, id, userId);
      const q = m.createQueryBuilder().delete().from(ScheduledMessageEntity).where("id = :id", { id: row.id });
      if (row.status === "pending") q.andWhere("status = 'pending' AND dueAt = :sendAt", { sendAt: row.sendAt });
      if ((await q.execute()).affected !== 1) throw sending();
      emit(appId, [
        { type: "scheduled.removed", conversationId: null, userId: row.userId, data: { id: row.id, conversationId: row.conversationId } },
      ] satisfies NewEvent[]);
    });
  }

  private async page(appId: string, userId: string, q: ListScheduled): Promise<Page<ScheduledMessage>> {
    const after = parseCursor(q.cursor);
    const qb = this.deps.db.getRepository(ScheduledMessageEntity).createQueryBuilder("s").where("s.appId = :appId AND s.userId = :userId", { appId, userId });
    if (q.conversationId !== undefined) qb.andWhere("s.conversationId = :conversationId", { conversationId: q.conversationId });
    if (after) qb.andWhere("(s.sendAt > :at OR (s.sendAt = :at AND s.id > :id))", { at: after.at, id: after.id });
    const rows = await qb
      .orderBy("s.sendAt", "ASC")
      .addOrderBy("s.id", "ASC")
      .take(q.limit + 1)
      .getMany();
    return pageOf(rows, q.limit, presentScheduled, (r) => cursorOf(Number(r.sendAt), r.id));
  }

  /** The row, when it is the user's (any user of the app's for the host): else the 404 of one that does not exist. */
  private async mine(m: EntityManager, appId: string, id: string, userId?: string): Promise<ScheduledMessageEntity> {
    const row = id.length <= 32 ? await m.findOneBy(ScheduledMessageEntity, { id, appId }) : null;
    // Exact match: MySQL's unicode_ci would also find `SCH_…` for `sch_…`.
    if (!row || row.id !== id || (userId !== undefined && row.userId !== userId)) throw notFound("Scheduled message");
    return row;
  }

  private updated(emit: (appId: string, events: NewEvent[]) => void, row: ScheduledMessageEntity): ScheduledMessage {
    const scheduled = presentScheduled(row);
    emit(row.appId, [{ type: "scheduled.updated", conversationId: null, userId: row.userId, data: { scheduled } }]);
    return scheduled;
  }
}
