// REST: search (`GET /v1/search?q=&conversationId=&cursor=&limit=`).

import type { Page } from "./common.js";
import type { Conversation } from "./conversations.js";
import type { Message } from "./messages.js";

/**
 * One matching message. Only messages the caller can read now match: conversations they are a
 * member of, in their app; deleted messages and text edited away never do.
 */
export interface SearchHit {
  message: Message;
  /** The message text around the first match (at most ~160 characters, "…" where cut). */
  snippet: string;
  /** Matched terms in `snippet` as [start, end) UTF-16 offsets, in order, not overlapping. */
  highlights: Array<[number, number]>;
}

/** Newest first. `conversations` holds each conversation of `items` once, as the list shows it. */
export interface SearchResponse extends Page<SearchHit> {
  conversations: Conversation[];
}
