import type { EntityManager } from "typeorm";
import type { ConversationEntity } from "../conversations/conversation.entity.js";
import { MemberEntity } from "../conversations/member.entity.js";
import { type Caller, isUserCaller, type UserCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import type { ModerationDeps } from "./deps.js";

/** Whether the caller is a moderator of their app (the host's backend always is). */
export async function isModerator(deps: Pick<ModerationDeps, "gate">, caller: Caller): Promise<boolean> {
  return !isUserCaller(caller) || deps.gate.isModerator(caller.appId, caller.user);
}

export async function requireModerator(deps: Pick<ModerationDeps, "gate">, caller: Caller): Promise<void> {
  if (!(await isModerator(deps, caller))) throw new AppError("forbidden", "Only the app's moderators may do this");
}

/**
 * The conversation of a conversation-scoped action. Moderators and the host's backend: any of
 * the app (404 otherwise). Else the caller must own or administer the group, and the target
 * (when there is one) must be neither its owner, an admin, nor an app moderator: 403.
 */
export async function requireConversationModerator(
  deps: Pick<ModerationDeps, "gate" | "conversations">,
  m: EntityManager,
  caller: Caller,
  conversationId: string,
  targetUserId: string | null,
): Promise<ConversationEntity> {
  if (await isModerator(deps, caller)) return deps.conversations.requireInApp(caller.appId, conversationId, m);
  const { appId, user } = caller as UserCaller;
  const me = canExist(conversationId) ? await m.findOneBy(MemberEntity, { appId, conversationId, userId: user }) : null;
  if (!me || me.role === "member") throw new AppError("forbidden", "Only the app's moderators, or the group's owner and admins, may do this");
  const conv = await deps.conversations.requireInApp(appId, conversationId, m);
  if (conv.kind !== "group") throw new AppError("forbidden", "Only the app's moderators may do this in a direct conversation");
  if (targetUserId !== null) {
    if (targetUserId === user) throw new AppError("validation_failed", "You cannot do this to yourself");
    const target = canExist(targetUserId) ? await m.findOneBy(MemberEntity, { appId, conversationId, userId: targetUserId }) : null;
    if ((target && target.role !== "member") || (await deps.gate.isModerator(appId, targetUserId, m)))
      throw new AppError("forbidden", "A group's owner and admins act on plain members only");
  }
  return conv;
}

/**
 * Who acted, as stored on a row: the moderator's user id, `server:<key id>`, or a console account
 * acting through a server caller as `console:<account id>` (console.service.ts), as it is.
 */
export const actorName = (caller: Caller): string =>
  isUserCaller(caller) ? caller.user : caller.server.startsWith("console:") ? caller.server : `server:${caller.server}`;
