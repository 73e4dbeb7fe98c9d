import type { Message } from "@parley/sdk/protocol";
import type { Caller } from "../../shared/caller.js";
import type { ModerationDeps } from "../deps.js";
import { requireModerator } from "../policy.js";
import { audit } from "./common.js";

/** A moderator deletes any message of the app (a tombstone stays), with the audit entry in the same unit. */
export async function deleteMessage(
  deps: Pick<ModerationDeps, "gate" | "messages">,
  caller: Caller,
  input: { messageId: string; reason?: string | undefined },
): Promise<Message> {
  await requireModerator(deps, caller);
  return deps.messages.remove(caller, input.messageId, {
    audit: (m, row) =>
      audit(m, caller, {
        action: "message.delete",
        targetUserId: row.senderId || null,
        conversationId: row.conversationId,
        messageId: row.id,
        reason: input.reason,
      }),
  });
}
