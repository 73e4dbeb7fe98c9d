import type { EntityManager } from "typeorm";
import { blocksBetween } from "../contacts/relations.js";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { ModerationGate } from "../moderation/gate.js";
import type { UserCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { iso } from "../shared/time.js";
import { invalidField } from "../shared/validate.js";
import type { StartCall } from "./calls.schema.js";

/** What deciding who a call rings reads. */
export interface CallPolicyDeps {
  membership: Pick<MembershipGuard, "require" | "memberIds">;
  conversations: Pick<ConversationsService, "requireInApp">;
  gate: Pick<ModerationGate, "assertNotBanned" | "muteOf">;
}

/**
 * Who a call rings, or why it may not: the rules a message's send follows hold for a call's ring.
 * The caller must be a member (one a ban removed hears of the ban: 403 `banned`, else 404) and not
 * muted there (403 `muted`); in a direct conversation the other member is rung, and refuses a caller
 * they blocked (403); in a group, `invite` (other members) or every other member, less those who
 * blocked the caller (nobody left: 403). More than one to ring needs group calls, through an SFU (JANUS_WS_URL).
 */
export async function whoToRing(deps: CallPolicyDeps, m: EntityManager, caller: UserCaller, input: StartCall, groupCalls = false): Promise<string[]> {
  const { appId, user } = caller;
  const { conversationId } = input;
  try {
    await deps.membership.require(appId, conversationId, user, m);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") await deps.gate.assertNotBanned(m, appId, conversationId, [user]);
    throw err;
  }
  const mute = await deps.gate.muteOf(appId, user, conversationId, m);
  if (mute) {
    const until = mute.until === null ? null : iso(mute.until);
    throw new AppError("muted", until ? `You are muted in this conversation until ${until}` : "You are muted in this conversation", { until });
  }
  const conversation = await deps.conversations.requireInApp(appId, conversationId, m);
  const others = (await deps.membership.memberIds(conversationId, m)).filter((id) => id !== user);
  const named = input.invite ?? others;
  if (named.some((id) => !others.includes(id))) throw invalidField("invite", "Only other members of this conversation can be rung");
  if (conversation.kind === "direct" && input.invite && named.length !== others.length)
    throw invalidField("invite", "A direct conversation's call rings its other member");
  const blocked = await blocksBetween(m, named, [user]);
  const invitees = named.filter((id) => !blocked(id, user));
  if (invitees.length < named.length && (conversation.kind === "direct" || invitees.length === 0))
    throw new AppError("forbidden", "This user does not accept calls from you");
  if (invitees.length === 0) throw invalidField("conversationId", "There is nobody else in this conversation to ring");
  if (invitees.length > 1 && !groupCalls)
    throw invalidField("invite", "Calling more than one person needs group calls (an SFU), which this server does not have configured", "sfu_not_configured");
  return invitees;
}
