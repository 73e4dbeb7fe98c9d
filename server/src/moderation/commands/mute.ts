import type { Sanction } from "@parley/sdk/protocol";
import { MemberEntity } from "../../conversations/member.entity.js";
import type { Caller } from "../../shared/caller.js";
import { notFound } from "../../shared/errors.js";
import type { ModerationDeps } from "../deps.js";
import { presentSanction } from "../moderation.presenter.js";
import type { MuteInput } from "../moderation.schema.js";
import { requireConversationModerator } from "../policy.js";
import { audit, liftSanction, putSanction } from "./common.js";

/** Mutes a member of a conversation until a time: their sends and edits there answer `muted`. */
export async function mute(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations">,
  caller: Caller,
  input: { conversationId: string; userId: string } & MuteInput,
): Promise<Sanction> {
  const until = input.until !== undefined ? Date.parse(input.until) : Date.now() + input.durationSec! * 1000;
  return deps.uow.run(async ({ m }) => {
    await requireConversationModerator(deps, m, caller, input.conversationId, input.userId);
    if (!(await m.existsBy(MemberEntity, { appId: caller.appId, conversationId: input.conversationId, userId: input.userId }))) throw notFound("Member");
    const row = await putSanction(m, caller, { kind: "mute", userId: input.userId, conversationId: input.conversationId, until, reason: input.reason });
    await audit(m, caller, {
      action: "mute",
      targetUserId: input.userId,
      conversationId: input.conversationId,
      reason: input.reason,
      details: { until: new Date(until).toISOString() },
    });
    return presentSanction(row);
  });
}

export function unmute(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations">,
  caller: Caller,
  input: { conversationId: string; userId: string; reason?: string | undefined },
): Promise<void> {
  return liftSanction(deps, caller, input, "mute", "unmute");
}
