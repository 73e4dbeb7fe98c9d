import type { ReactiveControllerHost } from "lit";
import type { ChatClient } from "@parley/sdk";
import { LIMITS } from "@parley/sdk/protocol";

/**
 * `more`: the server may have older conversations; `failed`: the last page did not load (the
 * next scroll retries; nothing retries by itself); `done`: every conversation is loaded.
 */
export type PagerStatus = "more" | "loading" | "failed" | "done";

/**
 * The conversation list past its first page. The SDK loads the newest page at sign-in; scrolling
 * to the end of the list asks for the next one here, which keeps the cursor (the first call reads
 * the first page again, only to learn its cursor). One request at a time.
 */
export class ConversationPager {
  private cursor: string | null | undefined;
  private loading = false;
  private failed = false;
  private userId = "";

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly client: () => ChatClient | null,
  ) {}

  get status(): PagerStatus {
    const c = this.client();
    if (!c?.user) return "done";
    if (c.user.id !== this.userId) {
      // Another user signed in: their list starts over.
      this.userId = c.user.id;
      this.cursor = undefined;
      this.failed = false;
    }
    if (this.loading) return "loading";
    if (this.cursor === null) return "done";
    // Before the first call: a first page that was not full was all there is.
    if (this.cursor === undefined && c.store.state.conversationOrder.length < LIMITS.pageSizeDefault) return "done";
    return this.failed ? "failed" : "more";
  }

  async next(): Promise<void> {
    const c = this.client();
    const status = this.status;
    if (!c || (status !== "more" && status !== "failed")) return;
    const user = this.userId;
    this.loading = true;
    this.host.requestUpdate();
    try {
      const page = await c.listConversations(this.cursor ?? undefined);
      if (user === this.userId) this.cursor = page.nextCursor;
      this.failed = false;
    } catch {
      this.failed = true;
    } finally {
      this.loading = false;
      this.host.requestUpdate();
    }
  }
}
