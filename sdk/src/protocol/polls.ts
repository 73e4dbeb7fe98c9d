// Polls: a message that asks a question with 2–10 options (issue 33). The message's text is the
// question; its `poll` holds the options, the counts and how it may be answered.

import type { Timestamp } from "./common.js";

export interface PollOption {
  /** The option's position ("0", "1", …): what a vote names. */
  id: string;
  text: string;
  votes: number;
  /** Who chose it, in a named poll; absent in an anonymous one (voters are never revealed there). */
  voters?: string[];
}

export interface Poll {
  options: PollOption[];
  /** Several options may be chosen at once; otherwise one. */
  multiple: boolean;
  /** Voters are never shown to anyone but themselves (not to members, the host's backend or exports of others). */
  anonymous: boolean;
  /** How many users voted (each counted once, whatever they chose). */
  voterCount: number;
  /** The options the reader chose (ids): in answers to them; empty in events, which have no reader. */
  mine: string[];
  /** When it closes by itself; null: open until closed. */
  closesAt: Timestamp | null;
  /** When it was closed (early by its creator or an admin, or at `closesAt`); null while open. */
  closedAt: Timestamp | null;
  /** Who asked; null for the host's backend. */
  createdBy: string | null;
}

/** `POST /v1/conversations/:id/polls` (and `/v1/server/…`, with `from`): sends a message whose text is the question. */
export interface CreatePollRequest {
  question: string;
  /** 2–10 distinct options. */
  options: string[];
  multiple?: boolean;
  anonymous?: boolean;
  /** In the future, at most 90 days ahead. */
  closesAt?: Timestamp;
  clientMessageId?: string;
}

/** `PUT /v1/messages/:id/poll/vote`: the reader's whole choice (replaces an earlier one); one id unless `multiple`. */
export interface PollVoteRequest {
  options: string[];
}

/**
 * `poll.updated`: a poll's counts or state changed (a vote, a retraction, a close). `poll.mine` is
 * empty here: a client keeps its reader's own choice from its vote's answer.
 */
export interface PollUpdated {
  conversationId: string;
  messageId: string;
  poll: Poll;
}
