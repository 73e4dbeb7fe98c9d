import type { ChatClient } from "./client.js";
import type { ConversationHandle } from "./conversation.js";
import { query } from "./http.js";
import type { Conversation, GroupInvitation, Page } from "./protocol/index.js";
import { withInvitation, withInvitations } from "./reducer.js";
import { type ChatState, withConversations } from "./state.js";

/**
 * My pending invitations to groups: someone who is not my contact who adds me to a group invites
 * me instead (unless the app allows direct adds). `new Invitations(chat)`, one per client: a module
 * of its own, like Moderation, so a page that never shows invitations does not carry it. The list
 * is `chat.store.state.invitations`, newest first, absent until `load()`; from then on this module
 * keeps it live from `invitation.updated` (a new one comes first, one answered anywhere or
 * withdrawn goes) and takes its first page again after each catch-up, until `close()`.
 * Refusals arrive as ChatError: `not_found` (no invitation of mine), `conflict` (answered already).
 */
export class Invitations {
  private readonly offs: (() => void)[];
  /**
   * For each page on its way, the changes heard since it was asked for: the server may have read
   * the page before them, so they are applied again on top of it (each sets an invitation's latest
   * state, so twice is once).
   */
  private readonly inFlight = new Set<((s: ChatState) => ChatState)[]>();

  constructor(private readonly chat: Pick<ChatClient, "request" | "store" | "conversation" | "on">) {
    this.offs = [
      chat.on("invitation.updated", ({ data: { invitation, status } }) => this.change(invitation.id, status === "pending" ? invitation : undefined)),
      // Events missed past the server's retention are not replayed: ask again.
      chat.on("connection.recovered", () => void (chat.store.state.invitations && this.load().catch(() => undefined))),
    ];
  }

  /** The first page, newest first (`limit` 1..100, server default 20); replaces the list. */
  load(limit?: number): Promise<Page<GroupInvitation>> {
    return this.page(limit);
  }

  /** The next page, appended to the list (the first page when none is loaded; an empty one, unasked, when all are). */
  loadMore(limit?: number): Promise<Page<GroupInvitation>> {
    const cur = this.chat.store.state.invitations;
    return cur?.nextCursor === null ? Promise.resolve({ items: [], nextCursor: null }) : this.page(limit, cur?.nextCursor);
  }

  /** Joins the group: it comes into `conversations` (its history loads as any), the invitation leaves the list. */
  async accept(id: string): Promise<ConversationHandle> {
    const { conversation } = await this.answer<{ conversation: Conversation }>(id, "accept");
    this.change(id, undefined, (s) => withConversations(s, [conversation]));
    return this.chat.conversation(conversation.id);
  }

  /** Says no (whoever invited hears of it); the invitation leaves the list. */
  async decline(id: string): Promise<void> {
    await this.answer(id, "decline");
    this.change(id);
  }

  /** Stops keeping the list live (it stays in the store as it is). */
  close(): void {
    for (const off of this.offs) off();
  }

  private answer<T>(id: string, action: "accept" | "decline"): Promise<T> {
    return this.chat.request<T>("POST", `/conversations/invitations/${encodeURIComponent(id)}/${action}`);
  }

  /**
   * An invitation's latest state (`pending`: still open; none: it left), into the list and every
   * page on its way; `and`: what else changes with it, in the same update.
   */
  private change(id: string, pending?: GroupInvitation, and = (s: ChatState) => s): void {
    const update = (s: ChatState): ChatState => withInvitation(s, id, pending);
    for (const heard of this.inFlight) heard.push(update);
    this.chat.store.next((s) => and(update(s)));
  }

  private async page(limit?: number, cursor?: string): Promise<Page<GroupInvitation>> {
    const heard: ((s: ChatState) => ChatState)[] = [];
    this.inFlight.add(heard);
    const page = await this.chat
      .request<Page<GroupInvitation>>("GET", `/conversations/invitations?${query({ limit, cursor })}`)
      .finally(() => this.inFlight.delete(heard));
    this.chat.store.next((s) => heard.reduce((t, update) => update(t), withInvitations(s, page, cursor !== undefined)));
    return page;
  }
}
