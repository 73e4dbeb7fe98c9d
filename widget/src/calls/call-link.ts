import type { ChatClient } from "@parley/sdk";

/**
 * The click on a call's push with no tab open (issue 53, acceptance 6): Parley's service worker
 * opens the host page with `?parley-call=<callId>&parley-conversation=<conversationId>`
 * (sw/parley-sw.ts). Read here, once the calls chunk is attached for the signed-in visitor: the
 * parameters leave the address (a reload does not open it again), and the conversation opens, so
 * that the ringing view (shown by the live calls' look-up that follows, if the call still rings)
 * takes the focus inside the open chat. A call that is over leaves the conversation open on its entry.
 */
export async function openLinkedCall(host: { chat: ChatClient | null; showConversation(id: string): void }): Promise<void> {
  const url = new URL(location.href);
  const callId = url.searchParams.get("parley-call");
  const conversationId = url.searchParams.get("parley-conversation");
  if (!callId || !conversationId || !host.chat) return;
  url.searchParams.delete("parley-call");
  url.searchParams.delete("parley-conversation");
  history.replaceState(history.state, "", url.href);
  const c = host.chat.conversation(conversationId);
  // Not a conversation of this visitor's (another account signed in here): nothing opens.
  if (!c.state) await c.refresh();
  host.showConversation(conversationId);
}
