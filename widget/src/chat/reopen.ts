/**
 * The conversation the visitor has open, kept for this tab (sessionStorage: a reload of the page
 * reopens it, drawn from the device cache; a new tab starts at the list). Cleared at sign-out.
 */
const keyOf = (appId: string): string => `parley:${appId}:open`;

export function saveOpen(appId: string, conversationId: string): void {
  try {
    if (conversationId) sessionStorage.setItem(keyOf(appId), conversationId);
    else sessionStorage.removeItem(keyOf(appId));
  } catch {
    /* storage blocked: a reload shows the list */
  }
}

export function savedOpen(appId: string): string {
  try {
    return sessionStorage.getItem(keyOf(appId)) ?? "";
  } catch {
    return "";
  }
}
