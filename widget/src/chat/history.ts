import { compareIds, type ConversationHandle } from "@parley/sdk";
import { LIMITS } from "@parley/sdk/protocol";

/**
 * Loads older pages (the largest the server gives) until message `id` is loaded or the history
 * ends. Ids grow with time, so once the oldest loaded message is not newer than `id`, it is in
 * (or it no longer exists). The thread stays one unbroken run of history, as the store keeps it.
 */
export async function loadUntil(c: ConversationHandle, id: string): Promise<void> {
  for (;;) {
    const oldest = c.messages.find((m) => m.status === "sent");
    if (!c.hasOlder || (oldest && compareIds(oldest.id, id) <= 0)) return;
    await c.loadOlder(LIMITS.pageSizeMax);
  }
}
