import type { ChatState, Conversation, User } from "@parley/sdk";

/**
 * A 1:1 conversation not created yet: opening a person with whom there is no DM shows an empty
 * thread (their name, presence, "Say hello"), and the conversation is created on the first send.
 * Leaving without sending creates nothing on the server. (`dmDraft`, which makes one, is in the
 * people view's chunk, parley-people.ts: the UI every visitor loads does not carry it.)
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
