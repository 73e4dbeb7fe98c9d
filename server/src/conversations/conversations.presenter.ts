import type { Conversation, GroupInvitation, Member, MemberRole, Message, User } from "@parley/sdk/protocol";
import type { ContactRequestEntity } from "../contacts/contact.entities.js";
import { dataField } from "../shared/custom-data.js";
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
  mentionCount: number;
  threadUnreadCount: number;
  myRole: MemberRole | null;
  /** The caller muted it. */
  muted?: boolean;
  invitedUserIds?: string[];
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
    ...(p.mentionCount > 0 ? { mentionCount: p.mentionCount } : {}),
    ...(p.threadUnreadCount > 0 ? { threadUnreadCount: p.threadUnreadCount } : {}),
    myRole: p.myRole,
    ...(p.muted ? { muted: true } : {}),
    ...(p.invitedUserIds ? { invitedUserIds: p.invitedUserIds } : {}),
    ...(c.externalKey ? { key: c.externalKey } : {}),
    ...dataField(c.data),
  } satisfies Conversation;
}

/** A group invitation (a request row with a conversationId) as its invitee sees it. */
export function presentInvitation(r: ContactRequestEntity, name: string | null, memberCount: number, invitedBy: User): GroupInvitation {
  return {
    id: r.id,
    conversationId: r.conversationId!,
    name,
    memberCount,
    invitedBy,
    status: r.status,
    createdAt: iso(r.createdAt),
  } satisfies GroupInvitation;
}
