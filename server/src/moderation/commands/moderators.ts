import { type Caller, isUserCaller } from "../../shared/caller.js";
import { AppError } from "../../shared/errors.js";
import type { ModerationDeps } from "../deps.js";
import { ModeratorEntity } from "../moderation.entities.js";
import { actorName } from "../policy.js";
import { audit } from "./common.js";

/** The host's backend or the operator: makes a user of the app a moderator, or no longer one. */
export async function setModerator(
  deps: Pick<ModerationDeps, "uow" | "users">,
  caller: Caller,
  input: { userId: string; moderator: boolean; reason?: string | undefined },
): Promise<void> {
  if (isUserCaller(caller)) throw new AppError("forbidden", "Moderators are set by the app's backend");
  const { appId } = caller;
  await deps.users.get(appId, input.userId);
  await deps.uow.run(async ({ m }) => {
    const had = await m.existsBy(ModeratorEntity, { appId, userId: input.userId });
    if (had === input.moderator) return;
    if (input.moderator) await m.insert(ModeratorEntity, { appId, userId: input.userId, createdAt: Date.now(), createdBy: actorName(caller) });
    else await m.delete(ModeratorEntity, { appId, userId: input.userId });
    await audit(m, caller, { action: input.moderator ? "moderator.add" : "moderator.remove", targetUserId: input.userId, reason: input.reason });
  });
}
