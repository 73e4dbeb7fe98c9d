import type { Conversation } from "@parley/sdk/protocol";
import type { NewEvent } from "../../events/event-log.js";
import type { UserCaller } from "../../shared/caller.js";
import type { ConversationsDeps } from "../deps.js";
import { MemberEntity } from "../member.entity.js";
import { requireMember } from "../policy.js";
import { presentById } from "../present-many.js";

/**
 * A member mutes or unmutes a conversation for themselves (issue 31): the flag is on their
 * membership, so every device of theirs reads it, and `conversation.muted` tells their other
 * devices at once. Idempotent: setting it again writes nothing and emits nothing.
 */
export async function setMuted(
  deps: Pick<ConversationsDeps, "uow" | "membership" | "presenter">,
  caller: UserCaller,
  input: { id: string; muted: boolean },
): Promise<Conversation> {
  const { appId, user: me } = caller;
  return deps.uow.write(appId, async (m) => {
    const { actor } = await requireMember(deps.membership, m, appId, input.id, me);
    const events: NewEvent[] = [];
    if (Boolean(actor.muted) !== input.muted) {
      await m.update(MemberEntity, { conversationId: input.id, userId: me }, { muted: input.muted });
      events.push({ type: "conversation.muted", conversationId: null, userId: me, data: { conversationId: input.id, muted: input.muted } });
    }
    return { result: await presentById(deps.presenter, m, appId, me, input.id), events };
  });
}
