import type { DataSource } from "typeorm";
import type { Page, Reminder } from "@parley/sdk/protocol";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { MessageEntity } from "../messages/message.entity.js";
import { parseMessageId } from "../messages/messages.schema.js";
import type { UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { ReminderEntity } from "./scheduled.entities.js";
import { cursorOf, pageOf, parseCursor, presentReminder } from "./scheduled.presenter.js";
import { type CreateReminder, type ListReminders, type ReminderRef, SCHEDULED_LIMITS } from "./scheduled.schema.js";

export interface RemindersDeps {
  db: DataSource;
  uow: UnitOfWork;
  membership: Pick<MembershipGuard, "require">;
}

/**
 * Reminders (issue 55): the owner of reminders. "Remind me" on a message the user can read now (a
 * live message of a conversation they are a member of; else the 404 of one that does not exist),
 * at most SCHEDULED_LIMITS.remindersPerUser pending. scheduled-sweep.ts fires them. Each change is
 * one unit with a user-only event, so the user's other devices keep the same list.
 */
export class RemindersService {
  constructor(private readonly deps: RemindersDeps) {}

  async create(caller: UserCaller, input: CreateReminder): Promise<Reminder> {
    const id = parseMessageId(input.messageId);
    const message = id === null ? null : await this.deps.db.getRepository(MessageEntity).findOneBy({ id, appId: caller.appId });
    if (!message || message.deletedAt !== null) throw notFound("Message");
    await this.deps.membership.require(caller.appId, message.conversationId, caller.user).catch(() => {
      throw notFound("Message");
    });
    return this.deps.uow.run(async ({ m, emit }) => {
      const pending = await m.countBy(ReminderEntity, { appId: caller.appId, userId: caller.user });
      if (pending >= SCHEDULED_LIMITS.remindersPerUser)
        throw new AppError("conflict", `At most ${SCHEDULED_LIMITS.remindersPerUser} reminders wait at once: delete one first`, {
          reason: "limit",
          limit: SCHEDULED_LIMITS.remindersPerUser,
        });
      const row: ReminderEntity = {
        id: newId("rem"),
        appId: caller.appId,
        userId: caller.user,
        messageId: message.id,
        conversationId: message.conversationId,
        remindAt: input.remindAt,
        dueAt: input.remindAt,
        status: "pending",
        createdAt: Date.now(),
      };
      await m.insert(ReminderEntity, row);
      const reminder = presentReminder(row);
      emit(caller.appId, [{ type: "reminder.updated", conversationId: null, userId: caller.user, data: { reminder } }]);
      return reminder;
    });
  }

  /** The caller's reminders still to come, soonest first; keyset on (remindAt, id). */
  async list(caller: UserCaller, q: ListReminders): Promise<Page<Reminder>> {
    const after = parseCursor(q.cursor);
    const qb = this.deps.db
      .getRepository(ReminderEntity)
      .createQueryBuilder("r")
      .where("r.appId = :appId AND r.userId = :userId", { appId: caller.appId, userId: caller.user });
    if (after) qb.andWhere("(r.remindAt > :at OR (r.remindAt = :at AND r.id > :id))", { at: after.at, id: after.id });
    const rows = await qb
      .orderBy("r.remindAt", "ASC")
      .addOrderBy("r.id", "ASC")
      .take(q.limit + 1)
      .getMany();
    return pageOf(rows, q.limit, presentReminder, (r) => cursorOf(Number(r.remindAt), r.id));
  }

  /** Deletes one (a reminder firing at this moment either fires or is deleted: whichever unit commits first). */
  async delete(caller: UserCaller, input: ReminderRef): Promise<void> {
    await this.deps.uow.run(async ({ m, emit }) => {
      const row = input.id.length <= 32 ? await m.findOneBy(ReminderEntity, { id: input.id, appId: caller.appId }) : null;
      if (!row || row.id !== input.id || row.userId !== caller.user) throw notFound("Reminder");
      if ((await m.delete(ReminderEntity, { id: row.id })).affected !== 1) throw notFound("Reminder");
      emit(caller.appId, [{ type: "reminder.removed", conversationId: null, userId: caller.user, data: { id: row.id, conversationId: row.conversationId } }]);
    });
  }
}
