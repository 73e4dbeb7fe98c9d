import type { Conversation } from "@parley/sdk/protocol";
import type { UserCaller } from "../../shared/caller.js";
import { chunks } from "../../shared/chunks.js";
import { ConversationEntity } from "../conversation.entity.js";
import type { ConversationsDeps } from "../deps.js";
import { MemberEntity } from "../member.entity.js";
import { assertGroupSize, assertMayRename, ensureNoBlocks, requireGroupAdmin, splitByConsent } from "../policy.js";
import { presentById } from "../present-many.js";
import { conversationRow, filteredName, memberRow, requireUsers } from "./common.js";
import { invite } from "./invitations.js";

/**
 * A group with the caller as owner. Of `memberIds` (users of the same app), the caller's
 * contacts become members at once; anyone else is invited (they join when they accept), unless
 * the app allows direct adds. A block between the caller and any of them refuses the whole
 * group (403). The policy (ConversationsDeps.policy) applies the app's size limit and the
 * caller's hourly quotas; only the server itself (seeding, tools) is built with TRUSTED_POLICY.
 */
export async function createGroup(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter" | "policy" | "names">,
  caller: UserCaller,
  input: { name: string; memberIds: string[]; isPublic?: boolean | undefined },
): Promise<Conversation> {
  const { appId, user: me } = caller;
  const name = await filteredName(deps, appId, input.name);
  const others = [...new Set(input.memberIds)].filter((id) => id !== me);
  const settings = await deps.policy.settings(deps.db, appId);
  assertGroupSize(settings, others.length + 1);
  await deps.policy.takeGroup(appId, me);
  await deps.policy.takeAdds(appId, me, others.length);
  await requireUsers(deps.db.manager, appId, [...others, me]);
  const now = Date.now();
  const conv = conversationRow(appId, now, {
    kind: "group",
    name,
    isPublic: input.isPublic ?? false,
    directKey: null,
    createdBy: me,
    externalKey: null,
    data: null,
  });
  return deps.uow.write(appId, async (m) => {
    await ensureNoBlocks(m, appId, me, others);
    const { direct, invite: invitees } = await splitByConsent(m, appId, me, others, settings);
    const rows = [memberRow(appId, conv.id, me, "owner", now), ...direct.map((u) => memberRow(appId, conv.id, u, "member", now))];
    await m.insert(ConversationEntity, conv);
    for (const chunk of chunks(rows, 200)) await m.insert(MemberEntity, chunk);
    const invitations = await invite(m, appId, me, conv.id, invitees, now);
    const conversation = await presentById(deps.presenter, m, appId, me, conv.id, "event");
    return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }, ...invitations] };
  });
}

/** Owners and admins of a group change its name and visibility (the host's backend: server.ts). */
export async function updateGroup(
  deps: Pick<ConversationsDeps, "uow" | "presenter" | "membership" | "names">,
  caller: UserCaller,
  input: { id: string; name?: string | undefined; isPublic?: boolean | undefined },
): Promise<Conversation> {
  const { appId, user: me } = caller;
  const { id, ...patch } = input;
  return deps.uow.write(appId, async (m) => {
    const { conv } = await requireGroupAdmin(deps.membership, m, appId, id, me);
    assertMayRename(conv, patch);
    const changes: Partial<ConversationEntity> = {};
    if (patch.name !== undefined) changes.name = await filteredName(deps, appId, patch.name, m);
    if (patch.isPublic !== undefined) changes.isPublic = patch.isPublic;
    if (Object.keys(changes).length > 0) await m.update(ConversationEntity, { appId, id: conv.id }, changes);
    const conversation = await presentById(deps.presenter, m, appId, me, conv.id, "event");
    return { result: conversation, events: [{ type: "conversation.updated", conversationId: conv.id, data: { conversation } }] };
  });
}
