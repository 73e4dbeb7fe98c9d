import type { EntityManager } from "typeorm";
import type { NewEvent } from "../events/event-log.js";
import { presentMember } from "./conversations.presenter.js";
import { MemberEntity } from "./member.entity.js";

/**
 * Owner succession, the one rule of it: when a group's last owner goes — they leave, are removed,
 * or their account is deleted — its oldest admin, else its oldest member, becomes owner (oldest by
 * `joinedAt`, then `userId`). Inside the caller's unit; answers the `member.updated` to emit, none
 * while the group still has an owner or has no one left.
 */
export async function appointHeir(m: EntityManager, conversationId: string): Promise<NewEvent[]> {
  if (await m.existsBy(MemberEntity, { conversationId, role: "owner" })) return [];
  const order = { joinedAt: "ASC", userId: "ASC" } as const;
  const heir =
    (await m.findOne(MemberEntity, { where: { conversationId, role: "admin" }, order })) ??
    (await m.findOne(MemberEntity, { where: { conversationId }, order }));
  if (!heir) return [];
  await m.update(MemberEntity, { conversationId, userId: heir.userId }, { role: "owner" });
  heir.role = "owner";
  return [{ type: "member.updated", conversationId, data: { conversationId, member: presentMember(heir) } }];
}
