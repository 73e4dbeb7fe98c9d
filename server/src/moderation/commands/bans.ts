import type { Sanction } from "@parley/sdk/protocol";
import type { NewEvent } from "../../events/event-log.js";
import { type Caller, isUserCaller } from "../../shared/caller.js";
import { AppError, notFound } from "../../shared/errors.js";
import { canExist } from "../../shared/ids.js";
import type { ModerationDeps } from "../deps.js";
import { SanctionEntity } from "../moderation.entities.js";
import { presentSanction } from "../moderation.presenter.js";
import { requireConversationModerator, requireModerator } from "../policy.js";
import { audit, liftSanction, putSanction } from "./common.js";

/**
 * Bans a user from a group: they leave it at once (member.removed; a pending invitation is
 * withdrawn) and cannot join, be added or accept an invitation again until unbanned. The user
 * must be of the app; they need not be a member now.
 */
export async function banFromConversation(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations" | "users">,
  caller: Caller,
  input: { conversationId: string; userId: string; reason?: string | undefined },
): Promise<Sanction> {
  const { appId } = caller;
  return deps.uow.run(async ({ m, emit }) => {
    const conv = await requireConversationModerator(deps, m, caller, input.conversationId, input.userId);
    if (conv.kind !== "group") throw new AppError("validation_failed", "Only a group has bans: block the user in a direct conversation");
    await deps.users.get(appId, input.userId);
    const row = await putSanction(m, caller, { kind: "ban", userId: input.userId, conversationId: conv.id, until: null, reason: input.reason });
    const events: NewEvent[] = await deps.conversations.expel(m, appId, conv.id, input.userId);
    emit(appId, events);
    await audit(m, caller, { action: "ban.conversation", targetUserId: input.userId, conversationId: conv.id, reason: input.reason });
    return presentSanction(row);
  });
}

export function unbanFromConversation(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations">,
  caller: Caller,
  input: { conversationId: string; userId: string; reason?: string | undefined },
): Promise<void> {
  return liftSanction(deps, caller, input, "ban", "unban.conversation");
}

/**
 * Bans a user from the whole app (moderators and the host's backend only): the ban commits with
 * its audit entry, then every session of theirs ends (refresh tokens revoked, their sockets
 * closed on every node). From the commit on, requireAuth refuses their access tokens and
 * sign-in, host-token and refresh refuse new sessions (`banned`).
 */
export async function banFromApp(
  deps: Pick<ModerationDeps, "uow" | "gate" | "users" | "sessions">,
  caller: Caller,
  input: { userId: string; reason?: string | undefined },
): Promise<Sanction> {
  await requireModerator(deps, caller);
  const { appId } = caller;
  if (isUserCaller(caller) && caller.user === input.userId) throw new AppError("validation_failed", "You cannot ban yourself");
  await deps.users.get(appId, input.userId);
  const row = await deps.uow.run(async ({ m }) => {
    const row = await putSanction(m, caller, { kind: "ban", userId: input.userId, conversationId: "", until: null, reason: input.reason });
    await audit(m, caller, { action: "ban.app", targetUserId: input.userId, reason: input.reason });
    return row;
  });
  await deps.sessions.endAllSessions(appId, input.userId);
  return presentSanction(row);
}

export async function unbanFromApp(
  deps: Pick<ModerationDeps, "uow" | "gate">,
  caller: Caller,
  input: { userId: string; reason?: string | undefined },
): Promise<void> {
  await requireModerator(deps, caller);
  await deps.uow.run(async ({ m }) => {
    const gone = canExist(input.userId)
      ? await m.delete(SanctionEntity, { appId: caller.appId, kind: "ban", userId: input.userId, conversationId: "" })
      : { affected: 0 };
    if (!gone.affected) throw notFound("Ban");
    await audit(m, caller, { action: "unban.app", targetUserId: input.userId, reason: input.reason });
  });
}
