import { z } from "zod";
import type {
  AiStateEvent,
  Attachment,
  LinkPreview,
  Message,
  MessageDeltaEvent,
  Pin,
  PinsResponse,
  Poll,
  ReactionSummary,
  StreamStatus,
  ThreadPage,
  ThreadState,
  ThreadSummary,
  VoiceSettings,
} from "@parley/sdk/protocol";
import { callEntry } from "./call-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";

/** A message and its parts (attachments, reactions, threads, polls, previews, pins), mirrored as responses.ts explains. */

export const attachment = z.strictObject({
  id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string(),
  voice: z.strictObject({ durationMs: z.number().int(), peaks: z.array(z.number().int().min(0).max(255)) }).optional(),
});
type _Attachment = Check<Same<z.infer<typeof attachment>, Attachment>>;

/** `GET /uploads/voice/settings`. */
export const voiceSettings = z.strictObject({ maxDurationMs: z.number().int(), peaks: z.number().int() });
type _VoiceSettings = Check<Same<z.infer<typeof voiceSettings>, VoiceSettings>>;

export const reactionSummary = z.strictObject({ emoji: z.string(), count: z.number().int(), mine: z.boolean() });
type _ReactionSummary = Check<Same<z.infer<typeof reactionSummary>, ReactionSummary>>;

export const threadSummary = z.strictObject({ replyCount: z.number().int(), lastReplyAt: timestamp });
type _ThreadSummary = Check<Same<z.infer<typeof threadSummary>, ThreadSummary>>;

export const poll = z.strictObject({
  options: z.array(z.strictObject({ id: z.string(), text: z.string(), votes: z.number().int(), voters: z.array(z.string()).optional() })),
  multiple: z.boolean(),
  anonymous: z.boolean(),
  voterCount: z.number().int(),
  mine: z.array(z.string()),
  closesAt: timestamp.nullable(),
  closedAt: timestamp.nullable(),
  createdBy: z.string().nullable(),
});
type _Poll = Check<Same<z.infer<typeof poll>, Poll>>;

/** A message's link preview: plain text, its image served by Parley (`/v1/previews/<key>`). */
export const linkPreview = z.strictObject({
  url: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  siteName: z.string().nullable(),
  image: z.strictObject({ url: z.string(), width: z.number().int(), height: z.number().int() }).nullable(),
});
type _LinkPreview = Check<Same<z.infer<typeof linkPreview>, LinkPreview>>;

export const message = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  senderId: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(attachment),
  replyToId: z.string().nullable(),
  clientMessageId: z.string().nullable(),
  reactions: z.array(reactionSummary),
  createdAt: timestamp,
  editedAt: timestamp.nullable(),
  deletedAt: timestamp.nullable(),
  data: z.record(z.string(), z.unknown()).optional(),
  threadId: z.string().optional(),
  thread: threadSummary.optional(),
  mentions: z.array(z.string()).optional(),
  pinned: z.strictObject({ by: z.string().nullable(), at: timestamp }).optional(),
  poll: poll.optional(),
  preview: linkPreview.optional(),
  call: callEntry.optional(),
  stream: z.strictObject({ state: z.enum(["streaming", "finished", "failed", "stopped"]), error: z.string().optional() }).optional(),
});
type _Message = Check<Same<z.infer<typeof message>, Message>>;

/** Streamed messages (issue 54): an append's answer, and the ephemeral socket events. */
export const streamStatus = z.strictObject({
  messageId: z.string(),
  conversationId: z.string(),
  state: z.enum(["streaming", "finished", "failed", "stopped"]),
  length: z.number().int(),
});
type _StreamStatus = Check<Same<z.infer<typeof streamStatus>, StreamStatus>>;
export const messageDeltaEvent = z.strictObject({
  conversationId: z.string(),
  messageId: z.string(),
  offset: z.number().int(),
  text: z.string(),
  message: message.optional(),
});
type _MessageDeltaEvent = Check<Same<z.infer<typeof messageDeltaEvent>, MessageDeltaEvent>>;
export const aiStateEvent = z.strictObject({
  conversationId: z.string(),
  userId: z.string(),
  state: z.enum(["thinking", "generating", "tool", "idle"]),
  tool: z.string().optional(),
});
type _AiStateEvent = Check<Same<z.infer<typeof aiStateEvent>, AiStateEvent>>;

export const pin = z.strictObject({ by: z.string().nullable(), at: timestamp, conversationId: z.string(), message });
type _Pin = Check<Same<z.infer<typeof pin>, Pin>>;
export const pinsResponse = z.strictObject({ pins: z.array(pin) });
type _PinsResponse = Check<Same<z.infer<typeof pinsResponse>, PinsResponse>>;

export const threadState = z.strictObject({ conversationId: z.string(), rootId: z.string(), following: z.boolean(), lastReadMessageId: z.string() });
type _ThreadState = Check<Same<z.infer<typeof threadState>, ThreadState>>;

export const threadPage = z.strictObject({
  root: message,
  items: z.array(message),
  nextCursor: z.string().nullable(),
  following: z.boolean(),
  unreadCount: z.number().int(),
  lastReadMessageId: z.string(),
});
type _ThreadPage = Check<Same<z.infer<typeof threadPage>, ThreadPage>>;
