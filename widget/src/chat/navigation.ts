import type { ParleyThread } from "../thread/parley-thread.js";
import { clientOf, loadBlocks, run, type ChatHost } from "./chat-host.js";

/**
 * Moving between the panel's views: into a conversation (from the list, a search result or a
 * notification), into a message's thread and out of it, into message search with its scope, and back.
 */
export class Navigation {
  /** Message search's scope: a conversation id, or "" for all; and the query it starts with. */
  searchIn = "";
  searchQ = "";
  /** A message to jump to once its conversation is shown (a search result; taken by the focus). */
  jumpTarget = "";

  constructor(private readonly host: ChatHost) {}

  openConversation(id: string): void {
    const h = this.host;
    h.draft = null;
    h.threadRoot = "";
    h.activeId = id;
    h.view = "thread";
    const c = clientOf(h).conversation(id);
    loadBlocks(h.chat);
    // (A jump loads the history down to its message itself.)
    if (!this.jumpTarget && c.messages.filter((m) => m.status === "sent").length < 20 && c.hasOlder) void c.loadOlder().catch(() => undefined);
  }

  back = (): void => {
    if (this.thread()) return this.closeThread();
    const h = this.host;
    h.view = h.view === "info" || (h.view === "search" && this.searchIn) ? "thread" : "list";
  };

  openSearch(conversationId: string, q = ""): void {
    this.searchIn = conversationId;
    this.searchQ = q;
    this.host.view = "search";
  }

  /** A search result was chosen: its conversation opens at the message (thread.jumpTo, when the view takes the focus). */
  onJump = (e: CustomEvent<{ conversationId: string; id: string }>): void => {
    const { conversationId, id } = e.detail;
    void run(this.host, async () => {
      const c = clientOf(this.host).conversation(conversationId);
      if (!c.state) await c.refresh();
      this.jumpTarget = id;
      this.openConversation(conversationId);
    });
  };

  /** The open thread's root, while the conversation it is in is shown. */
  thread(): string {
    return this.host.view === "thread" ? this.host.threadRoot : "";
  }

  /** "Reply in thread" or a root's replies button: the thread opens (a lazy view; it takes the focus). */
  onOpenThread = (e: CustomEvent<string>): void => {
    this.host.threadRoot = e.detail;
  };

  /** The thread closed: the conversation has its root message focused. */
  closeThread = (): void => {
    const h = this.host;
    const id = h.threadRoot;
    h.threadRoot = "";
    void h.updateComplete.then(() => h.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.focusMessage(id));
  };
}
