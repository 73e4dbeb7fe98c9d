// Messages: what one carries (attachments, reactions, a thread's summary, mentions), and the
// requests that write or read them.

import type { CallEntry } from "./calls.js";
import type { CustomData, Timestamp } from "./common.js";
import type { Poll } from "./polls.js";

export interface Attachment {
  id: string;
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Relative to the server: `/v1/uploads/<id>`; needs the bearer token or `?access_token=`. */
  url: string;
  /** A voice message: its length and waveform (peaks 0–255, computed when recorded). Absent on other files. */
  voice?: { durationMs: number; peaks: number[] };
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  /** True when the caller is among those who reacted. */
  mine: boolean;
}

/** A message. Ids are decimal strings that sort by value (compare as BigInt or by length+text). */
export interface Message {
  id: string;
  conversationId: string;
  /** Null for a system message (posted by the host's backend without a sender). */
  senderId: string | null;
  /** Null once deleted: a tombstone keeps the id and time, never the content. */
  text: string | null;
  attachments: Attachment[];
  replyToId: string | null;
  clientMessageId: string | null;
  reactions: ReactionSummary[];
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  deletedAt: Timestamp | null;
  /** The host's custom data; absent when none is set. */
  data?: CustomData;
  /**
   * A thread reply: the id of the thread's root message (a message of the same conversation).
   * Replies are not part of the conversation's history, last message or unread count; they
   * are read with `GET /v1/messages/:rootId/thread`. Absent on messages of the main timeline.
   */
  threadId?: string;
  /** On a thread's root, once it has replies: how many (deleted ones included) and the last one's time. */
  thread?: ThreadSummary;
  /** Users mentioned (`@name` in the text), as ids: members of the conversation when sent. Absent when none. */
  mentions?: string[];
  /** Pinned in its conversation: by whom and when. Absent when not pinned. */
  pinned?: PinMark;
  /** A poll: the text is its question. Absent on other messages and on tombstones. */
  poll?: Poll;
  /** A link preview: fetched by the server after the send, its image served by Parley (the linked site is never contacted by the browser). Absent when none. */
  preview?: LinkPreview;
  /** A finished call's system entry (`senderId` null): what a client says in its reader's language. Absent on other messages. */
  call?: CallEntry;
  /** A streamed message (the server API's streams; streaming.ts): its state. Absent on other messages. */
  stream?: MessageStream;
}

/**
 * Where a streamed message is (streaming.ts): `streaming` while its text grows; then `finished`
 * (the author said so), `failed` (the author, or the server after its idle or total time limit:
 * `error` says why) or `stopped` (a member stopped it; the text is what it had by then).
 */
export type StreamState = "streaming" | "finished" | "failed" | "stopped";

/** A streamed message's `stream` (Message.stream); absent on ordinary messages. */
export interface MessageStream {
  state: StreamState;
  /** Why it failed, in words for people (the author's, or the server's own timeout). */
  error?: string;
}

/** A message's link preview (its first http(s) link), as the server fetched it; plain text only. */
export interface LinkPreview {
  /** The link as it appears in the text (as an absolute URL). */
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** Served by Parley: `/v1/previews/<key>` (relative to the server, no token needed). */
  image: { url: string; width: number; height: number } | null;
}

/** Who pinned a message and when (its `pinned`; pins.ts). */
export interface PinMark {
  /** Null when the host's backend pinned it. */
  by: string | null;
  at: Timestamp;
}

export interface ThreadSummary {
  replyCount: number;
  lastReplyAt: Timestamp;
}

export interface SendMessageRequest {
  text: string;
  attachmentIds?: string[];
  replyToId?: string;
  clientMessageId?: string;
  /** Send as a reply in the thread of this message (a live timeline message of the same conversation). */
  threadId?: string;
  /** User ids mentioned in `text`; each must be a member of the conversation (else 400 on `mentions`). */
  mentions?: string[];
}

export interface EditMessageRequest {
  text: string;
}

export interface ReadRequest {
  messageId: string;
}
