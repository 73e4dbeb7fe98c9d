import type { TemplateResult } from "lit";
import type { Attachment, Conversation, Me, MessageItem } from "@parley/sdk";
import type { Strings } from "../i18n/i18n.js";
import type { withMentions } from "./mentions.js";

/**
 * The chunk with what a message shows only some of the time (message-extras.ts), as its users see
 * it. Spelt out here rather than read off the module, so that the chunk (which draws for a
 * MessageHost) and this contract do not import each other; `<parley-thread>`, which loads the
 * chunk, checks that it fits.
 */
export interface Extras {
  /** The styles of what the chunk draws, joined to the view's own when it is first used. */
  readonly sheet: CSSStyleSheet;
  /** Why `m` was not sent, from its error. */
  failedReason(strings: Strings, m: MessageItem): string;
  /** The toolbar of the active message (react, more reactions, reply, More) and its More menu (the other actions). */
  actions(host: MessageHost, m: MessageItem, o: { mine: boolean; group: boolean; canDelete: boolean }): TemplateResult;
  /** A blocked sender's message, collapsed to a notice with a Show button. */
  veiled(host: MessageHost, m: MessageItem): TemplateResult;
  /** Over the composer: the files attached to the message being written. */
  chips(host: MessageHost): TemplateResult;
  /** Over the composer: the message being edited or replied to. */
  context(host: MessageHost): TemplateResult;
  /** A message's reactions as chips. */
  reactions(host: MessageHost, m: MessageItem): TemplateResult;
  /** A message's text with its mentions drawn as chips (mentions.ts). */
  withMentions: typeof withMentions;
}

/**
 * What drawing a message needs from the conversation view it sits in (`<parley-thread>`
 * implements it): `<parley-message>` and the extras chunk depend on this, not on the view, so
 * neither imports the thread.
 */
export interface MessageHost extends HTMLElement {
  readonly t: Strings;
  readonly me: Me | null;
  readonly conversation: Conversation | undefined;
  readonly messages: MessageItem[];
  /** The visitor moderates the app: Delete, Mute and Ban on every message of others (learnt when first needed). */
  moderator: boolean;
  /** The message whose actions are shown. */
  active: string;
  /** Collapsed messages (a blocked sender's) the visitor chose to see. */
  shown: string[];
  editing: MessageItem | null;
  replyTo: MessageItem | null;
  files: File[];
  attachmentUrl: (a: Attachment) => Promise<string>;
  emit(name: string, detail?: unknown): void;
  /** Delete, retry and discard take the message away: focus moves to a neighbour first. */
  leave(m: MessageItem, event: string, detail: string): void;
  startEdit(m: MessageItem): void;
  focusMessage(id: string): Promise<void>;
  jumpTo(id: string): void;
  /** A sender's name as the visitor sees it ("You" for the visitor). */
  name(userId: string | null): string;
  /** A group message from someone the visitor blocked, not shown on request: drawn collapsed. */
  veiled(m: MessageItem): boolean;
  /** Draws again (when a chunk it waited for has come). */
  requestUpdate(): void;
  /** Settles once it has drawn (the More menu is placed and focused then). */
  readonly updateComplete: Promise<boolean>;
  /** The extras chunk if it is here (else it is fetched, and the host draws again when it comes). */
  x(): Extras | undefined;
}
