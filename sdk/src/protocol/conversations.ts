// Conversations (direct and group), their members, group invitations, and the requests that
// change them.

import type { CustomData, Timestamp } from "./common.js";
import type { Message } from "./messages.js";
import type { User } from "./users.js";

export type ConversationKind = "direct" | "group";

export type MemberRole = "owner" | "admin" | "member";

export interface Member {
  userId: string;
  role: MemberRole;
  joinedAt: Timestamp;
  /** Id of the last message this member has read ("0" when none). */
  lastReadMessageId: string;
}

export interface Conversation {
  id: string;
  kind: ConversationKind;
  /** Null for direct conversations: show the other member's name. */
  name: string | null;
  isPublic: boolean;
  createdAt: Timestamp;
  lastActivityAt: Timestamp;
  members: Member[];
  /** The member users' public profiles, so a list renders without further calls. */
  users: User[];
  lastMessage: Message | null;
  unreadCount: number;
  /**
   * Messages mentioning the caller that they have not read yet (in the timeline after their
   * read mark, in threads after the thread's read mark). Absent when 0.
   */
  mentionCount?: number;
  /** Unread replies in the threads the caller follows here. Absent when 0. */
  threadUnreadCount?: number;
  /** The caller's role; null when the caller is not a member (public group preview). */
  myRole: MemberRole | null;
  /** The caller muted it (`PUT /conversations/:id/mute`): no notifications of it. Absent when not. */
  muted?: true;
  /**
   * Groups, shown to members: users invited (they are not contacts of whoever added them) who
   * have not answered yet. Absent when there are none.
   */
  invitedUserIds?: string[];
  /** The host's idempotency key (server API `POST /v1/server/conversations { key }`), when set. */
  key?: string;
  /** The host's custom data; absent when none is set. */
  data?: CustomData;
}

/**
 * An invitation to a group, as its invitee sees it (`GET /conversations/invitations`). Adding
 * someone who is not your contact invites them instead (unless the app allows direct adds);
 * they join with `POST /conversations/invitations/:id/accept` or drop it with `/decline`.
 */
export interface GroupInvitation {
  id: string;
  conversationId: string;
  /** The group's name; its messages stay hidden until the invitation is accepted. */
  name: string | null;
  memberCount: number;
  /** Who invited (their public profile). */
  invitedBy: User;
  status: GroupInvitationStatus;
  createdAt: Timestamp;
}

export type GroupInvitationStatus = "pending" | "accepted" | "declined" | "cancelled";

export interface CreateDirectRequest {
  userId: string;
}

export interface CreateGroupRequest {
  name: string;
  memberIds: string[];
  isPublic?: boolean;
}

export interface UpdateConversationRequest {
  name?: string;
  isPublic?: boolean;
}

export interface AddMembersRequest {
  userIds: string[];
}

export interface SetRoleRequest {
  role: "admin" | "member";
}
