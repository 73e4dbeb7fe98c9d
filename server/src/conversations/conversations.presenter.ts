import type { Conversation, Member, MemberRole, Message, User } from "@parley/sdk/protocol";
import { iso } from "../shared/time.js";
import type { ConversationEntity } from "./conversation.entity.js";
import type { MemberEntity } from "./member.entity.js";

export function presentMember(m: MemberEntity): Member {
  return { userId: m.userId, role: m.role, joinedAt: iso(m.joinedAt), lastReadMessageId: String(m.lastReadMessageId) } satisfies Member;
}

export interface ConversationParts {
  members: MemberEntity[];
  users: User[];
  lastMessage: Message | null;
  unreadCount: number;
  myRole: MemberRole | null;
}

export function presentConversation(c: ConversationEntity, p: ConversationParts): Conversation {
  return {
    id: c.id,
    kind: c.kind,
    name: c.kind === "direct" ? null : c.name,
    isPublic: Boolean(c.isPublic),
    createdAt: iso(c.createdAt),
    lastActivityAt: iso(c.lastActivityAt),
    members: p.members.map(presentMember),
    users: p.users,
    lastMessage: p.lastMessage,
    unreadCount: p.unreadCount,
    myRole: p.myRole,
  } satisfies Conversation;
}
