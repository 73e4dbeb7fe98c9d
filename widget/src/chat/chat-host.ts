import type { ReactiveControllerHost } from "lit";
import { isChatError, type ChatClient, type Conversation } from "@parley/sdk";
import type { Strings } from "../i18n/i18n.js";
import type { DmDraft } from "../people/dm-draft.js";

export type View = "signin" | "list" | "people" | "group" | "thread" | "info" | "me" | "search";

/**
 * The public state of `<parley-chat>` that its controllers read and set. They are handed the
 * element as this interface: importing parley-chat.ts, even for its type, would be an import cycle.
 */
export interface ChatHost extends ReactiveControllerHost, HTMLElement {
  readonly hasUpdated: boolean;
  readonly t: Strings;
  server: string;
  chat: ChatClient | null;
  view: View;
  activeId: string;
  error: string;
  busy: boolean;
  progress: number | null;
  draft: DmDraft | null;
  threadRoot: string;
  notice: { text: string; undo?: boolean } | null;
  pendingDelete: { conversationId: string; id: string; timer: ReturnType<typeof setTimeout> } | null;
  titleOf(c: Conversation): string;
  startChat(userId: string): Promise<void>;
}

export function clientOf(host: ChatHost): ChatClient {
  if (!host.chat) throw new Error("parley-chat needs server and app-id");
  return host.chat;
}

/** Runs an action with the busy flag and a readable error on failure. */
export async function run(host: ChatHost, fn: () => Promise<void>): Promise<void> {
  host.busy = true;
  host.error = "";
  try {
    await fn();
  } catch (e) {
    host.error = isChatError(e) ? e.message : host.t.unknownError;
  } finally {
    host.busy = false;
  }
}

/**
 * Whom the visitor blocked, which comes with the contacts (kept fresh by the client): asked for
 * as soon as someone is signed in, so a group draws their messages collapsed from the start.
 */
export function loadBlocks(chat: ChatClient | null): void {
  if (chat && !chat.store.state.contacts) chat.directory.contacts().catch(() => undefined);
}
