/**
 * Where the console is and how to link there: the routes, read from the URL's hash and written
 * into links. The pages import this to navigate, so it imports no page (the lazy page tables are
 * app/pages.ts, the shell's, and pages/app.ts's TAB_PAGES).
 */

/** The tabs of one app's page, each a lazy chunk (which ones a role sees: shared/roles.ts). */
export const APP_TABS = ["keys", "webhooks", "settings", "email", "agents", "users", "usage", "moderation", "audit", "members"] as const;
export type AppTab = (typeof APP_TABS)[number];

/** Where the console is, from its URL's hash (the server serves one page at /console/). */
export type Route =
  | { page: "signup"; token: string }
  | { page: "signin" }
  | { page: "apps" }
  /** `tab` null: the first tab the caller's role shows. */
  | { page: "app"; appId: string; tab: AppTab | null }
  | { page: "account" }
  /** Operators: the server's nodes, database, Redis, migrations and webhook backlog. */
  | { page: "health" }
  /** Operators: usage of every app together. */
  | { page: "usage" }
  /** Operators: the console audit log of every app and account. */
  | { page: "audit" }
  /** Operators: every console account. */
  | { page: "accounts" }
  | { page: "missing" };

const isTab = (s: string | undefined): s is AppTab => (APP_TABS as readonly string[]).includes(s ?? "");

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (first === "signup" && second) return { page: "signup", token: second };
  if (first === "signin") return { page: "signin" };
  if (first === undefined || first === "apps") {
    if (!second) return { page: "apps" };
    return { page: "app", appId: second, tab: isTab(third) ? third : null };
  }
  if (first === "account" || first === "health" || first === "usage" || first === "audit" || first === "accounts") return { page: first };
  return { page: "missing" };
}

export const href = {
  apps: "#/apps",
  app: (appId: string, tab: AppTab | null = null) => `#/apps/${encodeURIComponent(appId)}${tab === null ? "" : `/${tab}`}`,
  account: "#/account",
  signin: "#/signin",
  health: "#/health",
  usage: "#/usage",
  audit: "#/audit",
  accounts: "#/accounts",
};
