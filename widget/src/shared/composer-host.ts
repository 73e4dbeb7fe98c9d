import type { MessageHost } from "../message/message-host.js";

/**
 * What the composer needs from the conversation view around it (`<parley-thread>` implements it),
 * and what the popups it opens over itself get: the "+" menu (tools/), the poll form (polls/) and
 * the voice recorder (voice/). They depend on this, not on the thread, so none of them imports
 * back into the view that lazily loads them.
 */
export interface ComposerHost extends MessageHost {
  /** An upload's progress (0..1), or null. */
  readonly progress: number | null;
  /** Back to the newest messages (after a send). */
  jumpToLatest(): void;
}
