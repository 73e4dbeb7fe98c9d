import { z } from "zod";
import type { Contact, ContactRequest, ContactsResponse, Conversation, GroupInvitation, Member, SearchResponse, TypingEvent } from "@parley/sdk/protocol";
import { message } from "./message-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";
import { user } from "./user-responses.js";

/** Conversations, their members and invitations, contacts, typing and search, mirrored as responses.ts explains. */

export const role = z.enum(["owner", "admin", "member"]);

export const member = z.strictObject({ userId: z.string(), role, joinedAt: timestamp, lastReadMessageId: z.string() });
type _Member = Check<Same<z.infer<typeof member>, Member>>;

export const conversation = z.strictObject({
  id: z.string(),
  kind: z.enum(["direct", "group"]),
  name: z.string().nullable(),
  isPublic: z.boolean(),
  createdAt: timestamp,
  lastActivityAt: timestamp,
  members: z.array(member),
  users: z.array(user),
  lastMessage: message.nullable(),
  unreadCount: z.number().int(),
  mentionCount: z.number().int().optional(),
  threadUnreadCount: z.number().int().optional(),
  myRole: role.nullable(),
  muted: z.literal(true).optional(),
  invitedUserIds: z.array(z.string()).optional(),
  key: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
type _Conversation = Check<Same<z.infer<typeof conversation>, Conversation>>;

export const invitationStatus = z.enum(["pending", "accepted", "declined", "cancelled"]);
export const groupInvitation = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  name: z.string().nullable(),
  memberCount: z.number().int(),
  invitedBy: user,
  status: invitationStatus,
  createdAt: timestamp,
});
type _GroupInvitation = Check<Same<z.infer<typeof groupInvitation>, GroupInvitation>>;

export const contactRequestStatus = z.enum(["pending", "accepted", "declined", "cancelled"]);
export const contactRequest = z.strictObject({
  id: z.string(),
  fromUserId: z.string(),
  toUserId: z.string(),
  status: contactRequestStatus,
  createdAt: timestamp,
  respondedAt: timestamp.nullable(),
  user,
});
type _ContactRequest = Check<Same<z.infer<typeof contactRequest>, ContactRequest>>;

export const contact = z.strictObject({ user, online: z.boolean(), since: timestamp });
type _Contact = Check<Same<z.infer<typeof contact>, Contact>>;

export const contactsResponse = z.strictObject({
  contacts: z.array(contact),
  incoming: z.array(contactRequest),
  outgoing: z.array(contactRequest),
  blockedUserIds: z.array(z.string()).optional(),
});
type _ContactsResponse = Check<Same<z.infer<typeof contactsResponse>, ContactsResponse>>;

export const typingEvent = z.strictObject({ conversationId: z.string(), userId: z.string(), typing: z.boolean() });
type _TypingEvent = Check<Same<z.infer<typeof typingEvent>, TypingEvent>>;

/** `GET /v1/search`: matching messages with a snippet, and each of their conversations once. */
export const searchHit = z.strictObject({
  message,
  snippet: z.string(),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export const searchResponse = z.strictObject({ items: z.array(searchHit), nextCursor: z.string().nullable(), conversations: z.array(conversation) });
type _SearchResponse = Check<Same<z.infer<typeof searchResponse>, SearchResponse>>;

export const conversationEnvelope = z.strictObject({ conversation });
export const memberEnvelope = z.strictObject({ member });
