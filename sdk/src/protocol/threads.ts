// Threads: a message's replies (`/v1/messages/:id/thread`), and the caller's follow state and read
// mark there.

import type { Page } from "./common.js";
import type { Message, ReadRequest } from "./messages.js";

/**
 * `GET /v1/messages/:id/thread?before=&after=&limit=`: a thread's root and a page of its replies,
 * newest first (paged like history), with the caller's follow state and unread count there.
 */
export interface ThreadPage extends Page<Message> {
  root: Message;
  following: boolean;
  /** Replies by others after the caller's thread read mark (counted whether following or not). */
  unreadCount: number;
  lastReadMessageId: string;
}

/** The caller's state in one thread: `PUT`/`DELETE /v1/messages/:id/thread/follow` answer it; the `thread.state` event carries it. */
export interface ThreadState {
  conversationId: string;
  rootId: string;
  following: boolean;
  lastReadMessageId: string;
}

/** `POST /v1/messages/:id/thread/read`: the caller read the thread up to `messageId` (a reply of it). */
export type ThreadReadRequest = ReadRequest;
