/** Where the console is, from its URL's hash (the server serves one page at /console/). */
export type Route =
  | { page: "signup"; token: string }
  | { page: "signin" }
  | { page: "apps" }
  | { page: "app"; appId: string; tab: "keys" | "webhooks" }
  | { page: "account" }
  | { page: "missing" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (first === "signup" && second) return { page: "signup", token: second };
  if (first === "signin") return { page: "signin" };
  if (first === undefined || first === "apps") {
    if (!second) return { page: "apps" };
    return { page: "app", appId: second, tab: third === "webhooks" ? "webhooks" : "keys" };
  }
  if (first === "account") return { page: "account" };
  return { page: "missing" };
}

export const href = {
  apps: "#/apps",
  app: (appId: string, tab: "keys" | "webhooks" = "keys") => `#/apps/${encodeURIComponent(appId)}${tab === "keys" ? "" : `/${tab}`}`,
  account: "#/account",
  signin: "#/signin",
};

/** The page modules, each a lazy chunk: the shell imports one when its page is first drawn. */
export const PAGES = {
  signup: () => import("../pages/signup.js"),
  signin: () => import("../pages/signin.js"),
  totp: () => import("../pages/totp.js"),
  apps: () => import("../pages/apps.js"),
  app: () => import("../pages/app.js"),
  account: () => import("../pages/account.js"),
} as const;
