import type { SlowModeResponse } from "@parley/sdk/protocol";
import type { Caller } from "../../shared/caller.js";
import type { ModerationDeps } from "../deps.js";
import { SlowModeEntity } from "../moderation.entities.js";
import { requireConversationModerator } from "../policy.js";
import { audit } from "./common.js";

/** Slow mode of a conversation: one message per `seconds` per plain member; 0 turns it off. */
export async function setSlowMode(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations">,
  caller: Caller,
  input: { conversationId: string; seconds: number; reason?: string | undefined },
): Promise<SlowModeResponse> {
  const { appId } = caller;
  await deps.uow.run(async ({ m }) => {
    const conv = await requireConversationModerator(deps, m, caller, input.conversationId, null);
    await m.delete(SlowModeEntity, { conversationId: conv.id });
    if (input.seconds > 0) await m.insert(SlowModeEntity, { conversationId: conv.id, appId, seconds: input.seconds });
    await audit(m, caller, { action: "slow_mode.set", conversationId: conv.id, reason: input.reason, details: { seconds: input.seconds } });
  });
  return { conversationId: input.conversationId, seconds: input.seconds };
}
