/**
 * The page modules, each a lazy chunk: the shell imports one when its page is first drawn. Only
 * the shell imports this table; a page that links to another goes through app/routes.ts, which
 * imports no page, so no page reaches itself back through this one.
 */
export const PAGES = {
  signup: () => import("../pages/signup.js"),
  signin: () => import("../pages/signin.js"),
  totp: () => import("../pages/totp.js"),
  apps: () => import("../pages/apps.js"),
  app: () => import("../pages/app.js"),
  account: () => import("../pages/account.js"),
  health: () => import("../pages/health.js"),
  usage: () => import("../pages/usage.js"),
  audit: () => import("../pages/audit.js"),
  accounts: () => import("../pages/accounts.js"),
} as const;
