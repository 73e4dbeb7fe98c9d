import type { DataSource } from "typeorm";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { MessagesService } from "../messages/messages.service.js";
import type { ServerCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { CallEntity } from "./call.entities.js";
import { entryOf, entryText } from "./calls.presenter.js";

/** What posting a finished call's entry uses. */
export interface CallEntriesDeps {
  db: DataSource;
  uow: UnitOfWork;
  messages: Pick<MessagesService, "send">;
}

/** `calls.messageId` of a call whose entry can never be posted (its conversation is gone). */
const NO_ENTRY = 0;

/**
 * A finished call's system entry in its conversation: a system message (no sender) whose text is
 * the English form ("Missed video call", "Video call · 4 min") and whose `call` is what clients
 * localize. Posted after the call's end committed (the commit hook), and by the sweep for any the
 * hook missed (a node that died in between); exactly one per call whatever the races: the message's
 * clientMessageId is the call's (`call:<id>`), which the messages' unique index holds, and the
 * message's unit records its id on the call.
 */
export class CallEntries {
  constructor(private readonly deps: CallEntriesDeps) {}

  async post(appId: string, callId: string): Promise<void> {
    const call = await this.deps.db.getRepository(CallEntity).findOneBy({ id: callId, appId });
    if (call?.state !== "ended" || call.messageId !== null) return;
    const caller: ServerCaller = { appId, server: "calls" };
    try {
      const out = await this.deps.messages.send(caller, {
        conversationId: call.conversationId,
        text: entryText(call),
        clientMessageId: `call:${call.id}`,
        attach: async (m, messageId) => {
          await m.query("UPDATE calls SET messageId = ? WHERE id = ?", [messageId, call.id]);
          return { call: entryOf(call) };
        },
      });
      // Posted before (this node's hook and a sweep, or two nodes' sweeps): the first one's id.
      if (!out.created) await this.record(call.id, Number(out.message.id));
    } catch (err) {
      // The conversation is gone (its app's deletion, say): there is nowhere to post it, ever.
      if (err instanceof AppError && err.code === "not_found") await this.record(call.id, NO_ENTRY);
      else throw err;
    }
  }

  private async record(callId: string, messageId: number): Promise<void> {
    await this.deps.uow.run(({ m }) => m.query("UPDATE calls SET messageId = ? WHERE id = ? AND messageId IS NULL", [messageId, callId]));
  }
}
