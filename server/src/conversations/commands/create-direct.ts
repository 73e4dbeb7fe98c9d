import type { Conversation } from "@parley/sdk/protocol";
import { BlockEntity } from "../../contacts/contact.entities.js";
import { isUniqueViolation } from "../../db/db-errors.js";
import type { UserCaller } from "../../shared/caller.js";
import { AppError } from "../../shared/errors.js";
import { ConversationEntity } from "../conversation.entity.js";
import type { ConversationsDeps } from "../deps.js";
import { MemberEntity } from "../member.entity.js";
import { presentById } from "../present-many.js";
import { conversationRow, memberRow, requireUsers } from "./common.js";

/**
 * The one DM between the caller and `userId`. The unique (appId, directKey) index decides
 * races: the insert that loses reads the winner's row instead.
 */
export async function createDirect(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter">,
  caller: UserCaller,
  input: { userId: string },
): Promise<{ conversation: Conversation; created: boolean }> {
  const { appId, user: me } = caller;
  const otherId = input.userId;
  if (otherId === me) throw new AppError("validation_failed", "You cannot start a direct conversation with yourself");
  // Both live: a deleted account's access token (valid a few minutes more) starts nothing.
  await requireUsers(deps.db.manager, appId, [otherId, me]);
  const blocked = await deps.db.getRepository(BlockEntity).existsBy({ appId, blockerId: otherId, blockedId: me });
  if (blocked) throw new AppError("forbidden", "This user does not accept messages from you");
  const directKey = [me, otherId].sort().join(":");
  const existing = await deps.db.getRepository(ConversationEntity).findOneBy({ appId, directKey });
  if (existing) return { conversation: await presentById(deps.presenter, deps.db.manager, appId, me, existing.id), created: false };

  const now = Date.now();
  const conv = conversationRow(appId, now, { kind: "direct", name: null, isPublic: false, directKey, createdBy: me, externalKey: null, data: null });
  const members = [me, otherId].map((userId) => memberRow(appId, conv.id, userId, "member", now));
  try {
    const conversation = await deps.uow.write(appId, async (m) => {
      await m.insert(ConversationEntity, conv);
      await m.insert(MemberEntity, members);
      const conversation = await presentById(deps.presenter, m, appId, me, conv.id, "event");
      return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }] };
    });
    return { conversation, created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await deps.db.getRepository(ConversationEntity).findOneBy({ appId, directKey });
    if (!winner) throw err;
    return { conversation: await presentById(deps.presenter, deps.db.manager, appId, me, winner.id), created: false };
  }
}
