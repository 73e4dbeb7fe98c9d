import type { ChatState, Conversation, Me, User } from "@parley/sdk";

/**
 * A 1:1 conversation not created yet: opening a person with whom there is no DM shows an empty
 * thread (their name, presence, "Say hello"), and the conversation is created on the first send.
 * Leaving without sending creates nothing on the server.
 */
export interface DmDraft {
  user: User;
  /** What the header and the thread draw meanwhile: a conversation that exists only here. */
  conversation: Conversation;
  /** The create request, once the first message is sent (later sends wait for the same one). */
  creating?: Promise<{ id: string }>;
}

/** The id of my existing 1:1 conversation with `userId`, if I have one loaded. */
export function findDirect(s: ChatState | undefined, userId: string): string | undefined {
  if (!s) return undefined;
  for (const id of s.conversationOrder) {
    const c = s.conversations[id];
    if (c?.kind === "direct" && c.users.some((u) => u.id === userId) && c.members.some((m) => m.userId === userId)) return id;
  }
  return undefined;
}

export function dmDraft(me: Me, user: User): DmDraft {
  const now = new Date().toISOString();
  const member = (userId: string) => ({ userId, role: "member" as const, joinedAt: now, lastReadMessageId: "0" });
  return {
    user,
    conversation: {
      id: "",
      kind: "direct",
      name: null,
      isPublic: false,
      createdAt: now,
      lastActivityAt: now,
      members: [member(me.id), member(user.id)],
      users: [me, user],
      lastMessage: null,
      unreadCount: 0,
      myRole: "member",
    },
  };
}
