import { In, IsNull, type EntityManager } from "typeorm";
import type { MemberRole } from "@parley/sdk/protocol";
import { isUniqueViolation } from "../../db/db-errors.js";
import { insertIgnoring } from "../../db/insert-ignoring.js";
import type { NewEvent } from "../../events/event-log.js";
import { chunks } from "../../shared/chunks.js";
import { notFound } from "../../shared/errors.js";
import { canExist, newId } from "../../shared/ids.js";
import { UserEntity } from "../../users/user.entity.js";
import { presentUser } from "../../users/users.presenter.js";
import { ConversationEntity } from "../conversation.entity.js";
import { presentMember } from "../conversations.presenter.js";
import type { ConversationsDeps } from "../deps.js";
import { MemberEntity } from "../member.entity.js";

/** What every new conversation row starts with; the command fills in what it decides. */
export function conversationRow(
  appId: string,
  now: number,
  fields: Pick<ConversationEntity, "kind" | "name" | "isPublic" | "directKey" | "createdBy" | "externalKey" | "data">,
): ConversationEntity {
  return { id: newId("cnv"), appId, ...fields, createdAt: now, lastActivityAt: now, lastMessageId: null };
}

export function memberRow(appId: string, conversationId: string, userId: string, role: MemberRole, joinedAt: number): MemberEntity {
  return { appId, conversationId, userId, role, joinedAt, lastReadMessageId: 0, muted: false };
}

/**
 * Inserts member rows and returns those that went in. Usually all in one statement; when another
 * node inserted one of them meanwhile (a duplicate key rolls back just that statement), row by row.
 */
export async function insertMembers(m: EntityManager, rows: MemberEntity[]): Promise<MemberEntity[]> {
  if (rows.length === 0) return [];
  try {
    await m.insert(MemberEntity, rows);
    return rows;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const inserted: MemberEntity[] = [];
  for (const row of rows) if ((await insertIgnoring(m, MemberEntity, [row])) > 0) inserted.push(row);
  return inserted;
}

/**
 * One `member.added` per added user, addressed to them too, so someone who was not a member yet
 * receives it through sync. `users` holds their profiles.
 */
export function memberAddedEvents(conversationId: string, inserted: MemberEntity[], users: UserEntity[]): NewEvent[] {
  const byId = new Map(users.map((u) => [u.id, u]));
  return inserted.map((row) => ({
    type: "member.added",
    conversationId,
    userId: row.userId,
    data: { conversationId, members: [presentMember(row)], users: [presentUser(byId.get(row.userId)!)] },
  }));
}

/** The users with these ids in this app; 404 if any is missing. */
export async function requireUsers(m: EntityManager, appId: string, ids: string[]): Promise<UserEntity[]> {
  if (ids.length === 0) return [];
  if (!ids.every(canExist)) throw notFound("User");
  const found: UserEntity[] = [];
  // A deleted account (a tombstone) is not someone to talk to.
  for (const chunk of chunks(ids, 500)) found.push(...(await m.find(UserEntity, { where: { appId, id: In(chunk), deletedAt: IsNull() } })));
  if (found.length !== ids.length) throw notFound("User");
  return found;
}

/** A group name as the app's word filter leaves it (as given unless the app filters names). */
export function filteredName(deps: Pick<ConversationsDeps, "names">, appId: string, name: string, m?: EntityManager): Promise<string> {
  return deps.names ? deps.names.filterName(appId, name, m) : Promise.resolve(name);
}
