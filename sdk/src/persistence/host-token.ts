/**
 * The claims of a host token (a JWT), read WITHOUT verifying it: only to tell whose token it is
 * and until when, so that a kept session of the same user can be picked up offline. The server
 * verifies the token when it is exchanged. Anything unreadable has no claims.
 */
export function claimsOf(token: string): { sub?: unknown; exp: number } {
  try {
    // base64url to base64; then the UTF-8 bytes atob gives (one char each) to a string.
    const json = decodeURIComponent(escape(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))));
    return { exp: 0, ...JSON.parse(json) };
  } catch {
    return { exp: 0 };
  }
}
