// Events: the same shapes arrive live over the socket and from GET /v1/sync. Typing is ephemeral
// (never stored, no seq).

import type { CallEventData } from "./calls.js";
import type { Timestamp } from "./common.js";
import type { ContactRequest, ContactRequestStatus } from "./contacts.js";
import type { Conversation, GroupInvitation, GroupInvitationStatus, Member } from "./conversations.js";
import type { Message, ThreadSummary } from "./messages.js";
import type { PinUpdated } from "./pins.js";
import type { PollUpdated } from "./polls.js";
import type { Reminder, ReminderDue, ScheduledMessage } from "./scheduled.js";
import type { ThreadState } from "./threads.js";
import type { User } from "./users.js";

/** Persisted events (they have a `seq`), keyed by `type`. */
export interface EventPayloads {
  "message.new": { message: Message };
  "message.updated": { message: Message };
  "message.deleted": { message: Message };
  /** `threadId`: the message is a reply in that thread. */
  "reaction.updated": { messageId: string; conversationId: string; userId: string; emoji: string; added: boolean; count: number; threadId?: string };
  "read.updated": { conversationId: string; userId: string; lastReadMessageId: string };
  "conversation.created": { conversation: Conversation };
  "conversation.updated": { conversation: Conversation };
  "member.added": { conversationId: string; members: Member[]; users: User[] };
  "member.removed": { conversationId: string; userId: string };
  "member.updated": { conversationId: string; member: Member };
  "contact.updated": { request: ContactRequest | null; userId: string; status: ContactRequestStatus | "removed" | "blocked" | "unblocked" };
  /** To the invitee (and, when they answer, to whoever invited them): an invitation was made or answered. */
  "invitation.updated": { invitation: GroupInvitation; status: GroupInvitationStatus };
  /**
   * A user was created (registration, first host-token sign-in, server API upsert); `userId` is
   * theirs. For webhooks: clients ignore event types they do not know.
   */
  "user.created": { user: User };
  /**
   * A user deleted their account (or the host's backend deleted it): to each conversation they
   * were in (`conversationId`) and to each of their contacts (`userId`). Their messages there are
   * tombstones now (text and attachments gone), `user` is their tombstone profile; a
   * `member.removed` for each conversation comes with it.
   */
  "user.deleted": { userId: string; user: User };
  /** A thread's root gained replies: its new summary (absolute, so applying it twice is harmless). */
  "thread.updated": { conversationId: string; rootId: string; thread: ThreadSummary };
  /**
   * To one user (`userId`, no `conversationId`): their follow or read mark in a thread changed
   * (another device, or following on reply, on being mentioned, on a reply to their message).
   */
  "thread.state": ThreadState;
  /**
   * To the mentioned user only (`userId`, no `conversationId`): `messageId` (in the conversation,
   * or in thread `threadId`) mentions them. The message itself arrives as `message.new`.
   */
  mention: { conversationId: string; messageId: string; threadId: string | null; senderId: string | null };
  /** A message was pinned or unpinned (pins.ts). */
  "pin.updated": PinUpdated;
  /** A poll's counts or state changed (polls.ts). */
  "poll.updated": PollUpdated;
  /** To one user (`userId`, no `conversationId`): they muted or unmuted a conversation (any device). */
  "conversation.muted": { conversationId: string; muted: boolean };
  /** A call was started in the conversation (it rings its invitees); calls.ts. */
  "call.started": CallEventData;
  /** A call changed: someone's device rings, someone answered, declined or left. */
  "call.updated": CallEventData;
  /** A call ended (`call.endReason`); its system entry follows as a `message.new`. */
  "call.ended": CallEventData;
  /** To its author only (`userId`): a scheduled message was made, edited, sent or refused (scheduled.ts). */
  "scheduled.updated": { scheduled: ScheduledMessage };
  /** To its author only: a scheduled message was cancelled (or its record deleted). */
  "scheduled.removed": { id: string; conversationId: string };
  /** To its user only: a reminder was set (any device). */
  "reminder.updated": { reminder: Reminder };
  /** To its user only: a reminder was deleted, or dropped because its message went. */
  "reminder.removed": { id: string; conversationId: string };
  /** To its user only: a reminder's time came (it is gone from the list with this). */
  "reminder.due": ReminderDue;
}

export type EventType = keyof EventPayloads;

/** One entry of the event log. `seq` grows by one per app, in commit order. */
export type ChatEvent = {
  [K in EventType]: {
    seq: number;
    type: K;
    conversationId: string | null;
    /** The user the event is about when it must reach them outside the conversation (membership, contacts). */
    userId: string | null;
    at: Timestamp;
    data: EventPayloads[K];
  };
}[EventType];

export interface SyncResponse {
  events: ChatEvent[];
  /**
   * Pass as `since` next time: the last event's seq; with no event for the caller, the log's head
   * (the cursor moves on although nothing concerned the caller), or the `since` sent.
   */
  lastSeq: number;
  hasMore: boolean;
}

/** Ephemeral events: never stored, no `seq`. */
export interface TypingEvent {
  conversationId: string;
  userId: string;
  /** False when the user stopped (sent, cleared the box). */
  typing: boolean;
}

/** The event of one type. */
export type EventOf<K extends EventType> = Extract<ChatEvent, { type: K }>;
