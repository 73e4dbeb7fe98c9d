import type { EntityManager } from "typeorm";
import type { Conversation, CustomData } from "@parley/sdk/protocol";
import { acceptPendingInvitations } from "../../contacts/invitations.js";
import { isUniqueViolation } from "../../db/db-errors.js";
import { rowMarks } from "../../db/sql.js";
import type { ServerCaller } from "../../shared/caller.js";
import { chunks } from "../../shared/chunks.js";
import { indexableScalars, storeData } from "../../shared/custom-data.js";
import { notFound } from "../../shared/errors.js";
import { canExist } from "../../shared/ids.js";
import { invalidField } from "../../shared/validate.js";
import { ConversationEntity } from "../conversation.entity.js";
import type { ConversationsDeps } from "../deps.js";
import { TRUSTED_SETTINGS } from "../group-policy.js";
import { MemberEntity } from "../member.entity.js";
import { assertGroupSize, assertMayRename, directForbidden } from "../policy.js";
import { presentById } from "../present-many.js";
import { requireInApp } from "../queries.js";
import { conversationRow, filteredName, insertMembers, memberAddedEvents, memberRow, requireUsers } from "./common.js";

/**
 * The host's backend (server API, a ServerCaller): no consent, no quotas, no human owner, the
 * server's own group settings (TRUSTED_SETTINGS), any conversation of its app. Presented as no
 * one sees them (`me` is "").
 */

/** A conversation the host's backend creates (`POST /v1/server/conversations`), members by user id. */
export interface ServerCreateInput {
  kind: "direct" | "group";
  userIds: string[];
  name?: string | undefined;
  key?: string | undefined;
  data?: CustomData | undefined;
  isPublic?: boolean | undefined;
}

type ServerDeps = Pick<ConversationsDeps, "db" | "uow" | "presenter" | "bans">;

/**
 * A conversation the host's backend asks for, idempotently: the one with its `key` (unique per
 * app) if there is one, else, for a direct conversation, the pair's one DM, else a new one. A
 * group made here has no owner: every member is a plain member and the server API manages it
 * (members may still leave). Races are decided by the unique (appId, externalKey) and
 * (appId, directKey) indexes: the insert that loses answers the winner's row.
 */
export async function createByServer(
  deps: ServerDeps & Pick<ConversationsDeps, "names">,
  caller: ServerCaller,
  input: ServerCreateInput,
): Promise<{ conversation: Conversation; created: boolean }> {
  const { appId } = caller;
  const userIds = [...new Set(input.userIds)];
  const existing = async (): Promise<ConversationEntity | null> => {
    const repo = deps.db.getRepository(ConversationEntity);
    const byKey = input.key !== undefined ? await repo.findOneBy({ appId, externalKey: input.key }) : null;
    if (byKey) return byKey;
    return directKey !== null ? repo.findOneBy({ appId, directKey }) : null;
  };
  let directKey: string | null = null;
  if (input.kind === "direct") {
    if (userIds.length !== 2) throw invalidField("users", "A direct conversation has exactly two different users");
    directKey = [...userIds].sort().join(":");
  } else {
    assertGroupSize(TRUSTED_SETTINGS, userIds.length);
  }
  const found = await existing();
  if (found) return { conversation: await presentById(deps.presenter, deps.db.manager, appId, "", found.id), created: false };
  await requireUsers(deps.db.manager, appId, userIds);
  const name = input.kind === "group" && input.name !== undefined ? await filteredName(deps, appId, input.name) : null;
  const now = Date.now();
  const conv = conversationRow(appId, now, {
    kind: input.kind,
    name,
    isPublic: input.kind === "group" ? (input.isPublic ?? false) : false,
    directKey,
    createdBy: caller.server,
    externalKey: input.key ?? null,
    data: storeData(input.data),
  });
  try {
    const conversation = await deps.uow.write(appId, async (m) => {
      // A new conversation has no bans of its own: this refuses users banned from the app.
      await deps.bans?.assertNotBanned(m, appId, conv.id, userIds);
      await m.insert(ConversationEntity, conv);
      const rows = userIds.map((u) => memberRow(appId, conv.id, u, "member", now));
      for (const chunk of chunks(rows, 200)) await m.insert(MemberEntity, chunk);
      await writeDataIndex(m, appId, conv.id, input.data ?? null, false);
      const conversation = await presentById(deps.presenter, m, appId, "", conv.id, "event");
      return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }] };
    });
    return { conversation, created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await existing();
    if (!winner) throw err;
    return { conversation: await presentById(deps.presenter, deps.db.manager, appId, "", winner.id), created: false };
  }
}

/** Changes any conversation of the app: a group's name and visibility, and custom data of any (`data: null` clears it). */
export async function updateByServer(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter" | "names">,
  caller: ServerCaller,
  input: { id: string; name?: string | undefined; isPublic?: boolean | undefined; data?: CustomData | null | undefined },
): Promise<Conversation> {
  const { appId } = caller;
  const { id, ...patch } = input;
  return deps.uow.write(appId, async (m) => {
    const conv = await requireInApp(deps, appId, id, m);
    assertMayRename(conv, patch);
    const changes: Partial<ConversationEntity> = {};
    if (patch.name !== undefined) changes.name = await filteredName(deps, appId, patch.name, m);
    if (patch.isPublic !== undefined) changes.isPublic = patch.isPublic;
    if (patch.data !== undefined) {
      changes.data = storeData(patch.data);
      await writeDataIndex(m, appId, conv.id, patch.data, true);
    }
    if (Object.keys(changes).length > 0) await m.update(ConversationEntity, { appId, id: conv.id }, changes);
    const conversation = await presentById(deps.presenter, m, appId, "", conv.id, "event");
    return { result: conversation, events: [{ type: "conversation.updated", conversationId: conv.id, data: { conversation } }] };
  });
}

/** Adds users to a group of the app at once (no consent, no quota); those already in are skipped. */
export async function addMembersByServer(deps: ServerDeps, caller: ServerCaller, input: { id: string; userIds: string[] }): Promise<Conversation> {
  const { appId } = caller;
  const wanted = [...new Set(input.userIds)];
  await deps.uow.write(appId, async (m) => {
    const conv = await requireInApp(deps, appId, input.id, m);
    if (conv.kind === "direct") throw directForbidden();
    const users = await requireUsers(m, appId, wanted);
    const present = await m.find(MemberEntity, { select: { userId: true }, where: { conversationId: conv.id } });
    const have = new Set(present.map((r) => r.userId));
    const fresh = wanted.filter((u) => !have.has(u));
    assertGroupSize(TRUSTED_SETTINGS, present.length + fresh.length);
    await deps.bans?.assertNotBanned(m, appId, conv.id, fresh);
    const now = Date.now();
    const inserted: MemberEntity[] = [];
    for (const chunk of chunks(
      fresh.map((u) => memberRow(appId, conv.id, u, "member", now)),
      200,
    ))
      inserted.push(...(await insertMembers(m, chunk)));
    // Pending invitations of the users now in are answered: they are members.
    await acceptPendingInvitations(
      m,
      appId,
      conv.id,
      inserted.map((r) => r.userId),
      now,
    );
    return { result: undefined, events: memberAddedEvents(conv.id, inserted, users) };
  });
  return presentById(deps.presenter, deps.db.manager, appId, "", input.id);
}

/** Removes a member of a group of the app, whatever their role (404 when not a member). */
export async function removeMemberByServer(
  deps: Pick<ConversationsDeps, "db" | "uow">,
  caller: ServerCaller,
  input: { id: string; userId: string },
): Promise<void> {
  const { appId } = caller;
  await deps.uow.write(appId, async (m) => {
    const conv = await requireInApp(deps, appId, input.id, m);
    if (conv.kind === "direct") throw directForbidden();
    const found = canExist(input.userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: conv.id, userId: input.userId }) : null;
    if (!found || found.userId !== input.userId) throw notFound("Member");
    await m.delete(MemberEntity, { conversationId: conv.id, userId: found.userId });
    return {
      result: undefined,
      events: [{ type: "member.removed", conversationId: conv.id, userId: found.userId, data: { conversationId: conv.id, userId: found.userId } }],
    };
  });
}

/**
 * Inside a unit: the filter rows of a conversation's custom data (its top-level scalars), replacing
 * the old ones when `replace`. conversation_data_index is this domain's table.
 */
async function writeDataIndex(m: EntityManager, appId: string, conversationId: string, data: CustomData | null, replace: boolean): Promise<void> {
  if (replace) await m.query("DELETE FROM conversation_data_index WHERE conversationId = ?", [conversationId]);
  const rows = indexableScalars(data);
  if (rows.length === 0) return;
  await m.query(
    `INSERT INTO conversation_data_index (appId, field, value, conversationId) VALUES ${rowMarks(rows.length, 4)}`,
    rows.flatMap((r) => [appId, r.field, r.value, conversationId]),
  );
}
