import type { DataSource, EntityManager } from "typeorm";
import type { Poll } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { dialectOf, marks } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import { parseMessageId } from "../messages/messages.schema.js";
import type { MessagesService } from "../messages/messages.service.js";
import type { SendOutcome } from "../messages/send-writer.js";
import { type Caller, isUserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { invalidField } from "../shared/validate.js";
import { PollEntity, PollVoteEntity } from "./poll.entities.js";
import { closedAt, presentPoll } from "./polls.presenter.js";
import type { CreatePoll, PollRef, VotePoll } from "./polls.schema.js";

/** What the polls service is built from. */
export interface PollsDeps {
  db: DataSource;
  uow: UnitOfWork;
  /** A poll is sent as a message (its text the question), written with it in the send's unit. */
  messages: Pick<MessagesService, "send">;
  membership: Pick<MembershipGuard, "require">;
  conversations: Pick<ConversationsService, "requireInApp">;
}

/**
 * Polls: a message that asks a question. Any member asks (a send, moderated as any); members
 * vote, change and retract their vote while it is open; its creator, a group's owner and admins
 * and the host's backend close it early; it closes by itself at `closesAt`.
 *
 * Exactly one vote per voter and option, whatever races: each vote is one unit that locks the
 * poll's row (MySQL: two nodes' votes on one poll take turns; SQLite has one writer), replaces
 * the voter's rows, and the table's key (poll, voter, slot) refuses a second row where a race
 * got past the lock. `poll.updated` carries the new counts to every member, with no reader's
 * `mine`; an anonymous poll's voters are never presented (polls.presenter.ts).
 */
export class PollsService {
  constructor(private readonly deps: PollsDeps) {}

  create(caller: Caller, input: CreatePoll): Promise<SendOutcome> {
    const options = JSON.stringify(input.options);
    return this.deps.messages.send(caller, {
      conversationId: input.conversationId,
      text: input.question,
      ...(input.clientMessageId ? { clientMessageId: input.clientMessageId } : {}),
      attach: async (m, messageId) => {
        const row = Object.assign(new PollEntity(), {
          messageId,
          appId: caller.appId,
          conversationId: input.conversationId,
          createdBy: isUserCaller(caller) ? caller.user : null,
          options,
          multiple: input.multiple ?? false,
          anonymous: input.anonymous ?? false,
          closesAt: input.closesAt ?? null,
          closedAt: null,
        });
        await m.getRepository(PollEntity).insert(row);
        return { poll: presentPoll(row, [], "") };
      },
    });
  }

  /** The caller's whole choice, replacing an earlier one; answers the poll as they see it. */
  async vote(caller: Caller, input: VotePoll): Promise<Poll> {
    const userId = this.voter(caller);
    return this.change(caller, input.messageId, async (m, poll) => {
      const count = (JSON.parse(poll.options) as string[]).length;
      const chosen = input.options.map(Number);
      if (chosen.some((i) => i >= count)) throw invalidField("options", "Not an option of this poll");
      if (!poll.multiple && chosen.length > 1) throw invalidField("options", "This poll takes one option");
      await m.query("DELETE FROM poll_votes WHERE messageId = ? AND userId = ?", [poll.messageId, userId]);
      const now = Date.now();
      await insertIgnoring(
        m,
        PollVoteEntity,
        chosen.map((choice) => ({ messageId: poll.messageId, userId, slot: poll.multiple ? choice : 0, choice, appId: caller.appId, createdAt: now })),
      );
    });
  }

  /** Takes the caller's vote back (a no-op when they had none). */
  async retract(caller: Caller, input: PollRef): Promise<Poll> {
    const userId = this.voter(caller);
    return this.change(caller, input.messageId, async (m, poll) => {
      await m.query("DELETE FROM poll_votes WHERE messageId = ? AND userId = ?", [poll.messageId, userId]);
    });
  }

  /** Closes the poll early: its creator, a group's owner or admins, the host's backend. Closing a closed poll changes nothing. */
  async close(caller: Caller, input: PollRef): Promise<Poll> {
    return this.change(
      caller,
      input.messageId,
      async (m, poll, role) => {
        const creator = isUserCaller(caller) && poll.createdBy === caller.user;
        if (role === "member" && !creator)
          throw new AppError("forbidden", "Only the poll's creator or the group's owner and admins close it", { reason: "role" });
        poll.closedAt = Date.now();
        await m.getRepository(PollEntity).update({ messageId: poll.messageId }, { closedAt: poll.closedAt });
      },
      { whenClosed: "answer" },
    );
  }

  private voter(caller: Caller): string {
    if (!isUserCaller(caller)) throw new AppError("forbidden", "Only a member votes");
    return caller.user;
  }

  /**
   * One unit on an open poll the caller can see, its row locked: `write`, then the poll read back
   * for the caller and, without a reader, for everyone's `poll.updated`.
   */
  private async change(
    caller: Caller,
    messageId: string,
    write: (m: EntityManager, poll: PollEntity, role: "owner" | "admin" | "member" | null) => Promise<void>,
    opts: { whenClosed: "refuse" | "answer" } = { whenClosed: "refuse" },
  ): Promise<Poll> {
    const viewer = isUserCaller(caller) ? caller.user : "";
    return this.deps.uow.run(async ({ m, emit }) => {
      const id = parseMessageId(messageId);
      const message = id === null ? null : await m.getRepository(MessageEntity).findOneBy({ id, appId: caller.appId });
      if (!message || message.deletedAt !== null) throw notFound("Poll");
      let role: "owner" | "admin" | "member" | null = null;
      if (isUserCaller(caller)) {
        const member = await this.deps.membership.require(caller.appId, message.conversationId, caller.user, m);
        const conv = await this.deps.conversations.requireInApp(caller.appId, message.conversationId, m);
        role = conv.kind === "direct" ? "member" : member.role;
      }
      if (dialectOf(m) === "mysql") await m.query("SELECT messageId FROM polls WHERE messageId = ? FOR UPDATE", [message.id]);
      const poll = await m.getRepository(PollEntity).findOneBy({ messageId: message.id });
      if (!poll) throw notFound("Poll");
      if (closedAt(poll) !== null) {
        if (opts.whenClosed === "refuse") throw new AppError("conflict", "This poll is closed", { reason: "poll_closed" });
        return this.read(m, poll, viewer);
      }
      await write(m, poll, role);
      const votes = await m.query(`SELECT messageId, userId, choice FROM poll_votes WHERE messageId IN (${marks(1)}) ORDER BY createdAt, userId`, [
        poll.messageId,
      ]);
      const conversationId = poll.conversationId;
      emit(caller.appId, [
        { type: "poll.updated", conversationId, data: { conversationId, messageId: String(poll.messageId), poll: presentPoll(poll, votes, "") } },
      ] satisfies NewEvent[]);
      return presentPoll(poll, votes, viewer);
    });
  }

  private async read(m: EntityManager, poll: PollEntity, viewer: string): Promise<Poll> {
    const votes = await m.query("SELECT messageId, userId, choice FROM poll_votes WHERE messageId = ? ORDER BY createdAt, userId", [poll.messageId]);
    return presentPoll(poll, votes, viewer);
  }
}
