/**
 * Every REST route and socket command, machine-readable: the IDOR matrix and the fuzz suite
 * are generated from it, and routes-table.test.ts fails when a route exists that is not listed.
 *
 * Ids in paths: `:c` conversation, `:m` message, `:u` user, `:r` contact request, `:f` upload,
 * `:e` emoji, `:n` avatar file name, `:w` webhook endpoint. `who`: "public" (no token), "app" (X-Parley-App, no token),
 * "user" (any signed-in user of the app), "member" (of the conversation that `:c`/`:m`/`:f` names),
 * "server" (the host's backend, with a server key: `/server/…`, `:u` is then a sub).
 */
export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  who: "public" | "app" | "user" | "member" | "server";
}

export const ROUTES: RouteSpec[] = [
  { method: "GET", path: "/healthz", who: "public" },
  { method: "GET", path: "/avatars/:n", who: "public" },
  { method: "POST", path: "/auth/register", who: "app" },
  { method: "POST", path: "/auth/login", who: "app" },
  { method: "POST", path: "/auth/host-token", who: "app" },
  { method: "POST", path: "/auth/refresh", who: "app" },
  { method: "POST", path: "/auth/logout", who: "app" },
  { method: "POST", path: "/auth/password", who: "user" },
  { method: "GET", path: "/me", who: "user" },
  { method: "PATCH", path: "/me", who: "user" },
  { method: "PUT", path: "/me/avatar", who: "user" },
  { method: "GET", path: "/me/export", who: "user" },
  { method: "DELETE", path: "/me", who: "user" },
  { method: "GET", path: "/users", who: "user" },
  { method: "GET", path: "/users/:u", who: "user" },
  { method: "GET", path: "/conversations", who: "user" },
  { method: "POST", path: "/conversations/direct", who: "user" },
  { method: "POST", path: "/conversations", who: "user" },
  { method: "GET", path: "/conversations/public", who: "user" },
  { method: "GET", path: "/conversations/invitations", who: "user" },
  { method: "POST", path: "/conversations/invitations/:r/accept", who: "user" },
  { method: "POST", path: "/conversations/invitations/:r/decline", who: "user" },
  { method: "GET", path: "/conversations/:c", who: "member" },
  { method: "PATCH", path: "/conversations/:c", who: "member" },
  { method: "POST", path: "/conversations/:c/join", who: "user" },
  { method: "POST", path: "/conversations/:c/members", who: "member" },
  { method: "DELETE", path: "/conversations/:c/members/:u", who: "member" },
  { method: "PUT", path: "/conversations/:c/members/:u/role", who: "member" },
  { method: "GET", path: "/conversations/:c/messages", who: "member" },
  { method: "POST", path: "/conversations/:c/messages", who: "member" },
  { method: "POST", path: "/conversations/:c/read", who: "member" },
  { method: "GET", path: "/messages/:m", who: "member" },
  { method: "PATCH", path: "/messages/:m", who: "member" },
  { method: "DELETE", path: "/messages/:m", who: "member" },
  { method: "PUT", path: "/messages/:m/reactions/:e", who: "member" },
  { method: "DELETE", path: "/messages/:m/reactions/:e", who: "member" },
  { method: "GET", path: "/contacts", who: "user" },
  { method: "POST", path: "/contacts/requests", who: "user" },
  { method: "POST", path: "/contacts/requests/:r/accept", who: "user" },
  { method: "POST", path: "/contacts/requests/:r/decline", who: "user" },
  { method: "POST", path: "/contacts/requests/:r/cancel", who: "user" },
  { method: "DELETE", path: "/contacts/:u", who: "user" },
  { method: "POST", path: "/blocks", who: "user" },
  { method: "DELETE", path: "/blocks/:u", who: "user" },
  { method: "POST", path: "/uploads", who: "user" },
  { method: "GET", path: "/uploads/:f", who: "member" },
  { method: "GET", path: "/sync", who: "user" },
  { method: "GET", path: "/sync/head", who: "user" },
  { method: "POST", path: "/server/users", who: "server" },
  { method: "POST", path: "/server/tokens", who: "server" },
  { method: "POST", path: "/server/conversations", who: "server" },
  { method: "GET", path: "/server/conversations", who: "server" },
  { method: "GET", path: "/server/conversations/:c", who: "server" },
  { method: "PATCH", path: "/server/conversations/:c", who: "server" },
  { method: "POST", path: "/server/conversations/:c/members", who: "server" },
  { method: "DELETE", path: "/server/conversations/:c/members/:u", who: "server" },
  { method: "POST", path: "/server/conversations/:c/messages", who: "server" },
  { method: "GET", path: "/server/conversations/:c/messages", who: "server" },
  { method: "PATCH", path: "/server/messages/:m", who: "server" },
  { method: "DELETE", path: "/server/messages/:m", who: "server" },
  { method: "GET", path: "/server/users/:u/export", who: "server" },
  { method: "DELETE", path: "/server/users/:u", who: "server" },
  { method: "POST", path: "/server/webhooks", who: "server" },
  { method: "GET", path: "/server/webhooks", who: "server" },
  { method: "PUT", path: "/server/webhooks/settings", who: "server" },
  { method: "DELETE", path: "/server/webhooks/:w", who: "server" },
  { method: "GET", path: "/server/webhooks/:w/deliveries", who: "server" },
  { method: "POST", path: "/server/webhooks/:w/replay", who: "server" },
];

/** Socket commands: every one that names a conversation is members-only. */
export const SOCKET_COMMANDS = [
  { event: "message.send", who: "member" },
  { event: "typing", who: "member" },
  { event: "read", who: "member" },
] as const;
