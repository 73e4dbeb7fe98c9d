import type { DataSource, EntityManager } from "typeorm";
import type { Message, Pin, PinsResponse } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog, NewEvent } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import { MessagePresenter } from "../messages/messages.presenter.js";
import { parseMessageId } from "../messages/messages.schema.js";
import { type Caller, isUserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { iso } from "../shared/time.js";
import { PinEntity } from "./pin.entity.js";
import { PIN_LIMITS, type ListPins, type PinMessage } from "./pins.schema.js";

/** What the pins service is built from. */
export interface PinsDeps {
  db: DataSource;
  uow: UnitOfWork;
  membership: Pick<MembershipGuard, "require">;
  conversations: Pick<ConversationsService, "requireInApp">;
  events: Pick<EventLog, "rewriteMessage">;
  /** Whether a user moderates the app (moderation/gate.ts): moderators pin in any group they are in. */
  isModerator(appId: string, userId: string, m?: EntityManager): Promise<boolean>;
}

/** Events carry one Message for every member: presented with no viewer, as messages/ does. */
const NO_VIEWER = "";

/**
 * Pins: a conversation's messages kept at hand, newest pin first, at most
 * PIN_LIMITS.perConversation. Who may pin or unpin: in a group its owner and admins and the app's
 * moderators; in a direct conversation either member; the host's backend anywhere in its app.
 * Any member reads the list. Only timeline messages (not thread replies, not tombstones) are
 * pinned. A message's deletion unpins it (messages/ calls `unpinMessages` in its unit).
 *
 * Pinning is idempotent (the row is keyed by the message): pinning a pinned message answers the
 * pin as it is and sends no event. Each change is one unit: the row, the message's events
 * rewritten (a later sync shows `pinned`), `pin.updated` and `message.updated` to the members.
 */
export class PinsService {
  constructor(private readonly deps: PinsDeps) {}

  async list(caller: Caller, input: ListPins): Promise<PinsResponse> {
    if (isUserCaller(caller)) await this.deps.membership.require(caller.appId, input.conversationId, caller.user);
    else await this.deps.conversations.requireInApp(caller.appId, input.conversationId);
    const pins = await this.deps.db.getRepository(PinEntity).find({
      where: { appId: caller.appId, conversationId: input.conversationId },
      order: { pinnedAt: "DESC", messageId: "DESC" },
      take: PIN_LIMITS.perConversation,
    });
    if (pins.length === 0) return { pins: [] };
    const rows = await this.deps.db.getRepository(MessageEntity).findBy(pins.map((p) => ({ id: p.messageId, appId: caller.appId })));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const viewer = isUserCaller(caller) ? caller.user : NO_VIEWER;
    const live = pins.filter((p) => byId.get(p.messageId)?.deletedAt === null);
    const messages = await new MessagePresenter(this.deps.db).present(
      live.map((p) => byId.get(p.messageId)!),
      viewer,
    );
    return { pins: live.map((p, i) => presentPin(p, messages[i]!)) };
  }

  /** Pins (`pinned: true`) or unpins a message; answers the pin, or null once unpinned. */
  async set(caller: Caller, input: PinMessage): Promise<Pin | null> {
    const { appId } = caller;
    return this.deps.uow.run(async ({ m, emit }) => {
      const row = await this.target(caller, input.messageId, m);
      const pins = m.getRepository(PinEntity);
      const existing = await pins.findOneBy({ messageId: row.id });
      if (input.pinned === (existing !== null)) return existing ? presentPin(existing, await this.present(m, row)) : null;
      let pin: PinEntity | null = null;
      if (input.pinned) {
        // Counted inside the unit: two pins at once (two nodes, or two writers of one node on
        // MySQL) may race past the count by one, which the limit tolerates (it bounds a list, not a quota).
        const count = await pins.countBy({ appId, conversationId: row.conversationId });
        if (count >= PIN_LIMITS.perConversation)
          throw new AppError("conflict", `A conversation keeps at most ${PIN_LIMITS.perConversation} pins: unpin one first`, {
            reason: "pin_limit",
            limit: PIN_LIMITS.perConversation,
          });
        pin = Object.assign(new PinEntity(), {
          messageId: row.id,
          appId,
          conversationId: row.conversationId,
          pinnedBy: isUserCaller(caller) ? caller.user : null,
          pinnedAt: Date.now(),
        });
        await pins.insert(pin);
      } else {
        await pins.delete({ messageId: row.id });
      }
      const message = await this.present(m, row);
      await this.deps.events.rewriteMessage(m, appId, message);
      const presented = pin ? presentPin(pin, message) : null;
      emit(appId, [
        { type: "message.updated", conversationId: row.conversationId, data: { message } },
        { type: "pin.updated", conversationId: row.conversationId, data: { conversationId: row.conversationId, messageId: String(row.id), pin: presented } },
      ] satisfies NewEvent[]);
      return presented;
    });
  }

  /** A live timeline message the caller may pin: a 404 when they cannot see it, a 403 when they may not pin there. */
  private async target(caller: Caller, messageId: string, m: EntityManager): Promise<MessageEntity> {
    const id = parseMessageId(messageId);
    const row = id === null ? null : await m.getRepository(MessageEntity).findOneBy({ id, appId: caller.appId });
    if (!row || row.deletedAt !== null) throw notFound("Message");
    if (isUserCaller(caller)) {
      const member = await this.deps.membership.require(caller.appId, row.conversationId, caller.user, m);
      if (member.role === "member") {
        const conv = await this.deps.conversations.requireInApp(caller.appId, row.conversationId, m);
        if (conv.kind === "group" && !(await this.deps.isModerator(caller.appId, caller.user, m)))
          throw new AppError("forbidden", "Only the group's owner, its admins and moderators pin messages", { reason: "role" });
      }
    }
    if (row.threadId !== null) throw new AppError("conflict", "A thread reply cannot be pinned; pin its thread's first message", { reason: "thread_reply" });
    return row;
  }

  private async present(m: EntityManager, row: MessageEntity): Promise<Message> {
    return new MessagePresenter(m as unknown as DataSource).presentOne(row, NO_VIEWER);
  }
}

/** Pin row + its message -> the protocol's Pin. */
export function presentPin(p: PinEntity, message: Message): Pin {
  return { conversationId: p.conversationId, by: p.pinnedBy, at: iso(p.pinnedAt), message } satisfies Pin;
}
