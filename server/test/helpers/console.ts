import type { ConsoleInviteRequest, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { CLI } from "../../src/console/console-members.service.js";
import { totpCode } from "../../src/console/totp.js";
import type { TestServer } from "./harness.js";

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A browser on the console, as far as the server can tell: it keeps the session cookie, sends
 * its own Origin (the server's) and, once signed in, the CSRF token on every change.
 */
export class ConsoleBrowser {
  cookie = "";
  csrf = "";
  origin: string;

  constructor(private readonly s: TestServer) {
    this.origin = s.url;
  }

  async req<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const h: Record<string, string> = { Origin: this.origin, ...headers };
    if (this.cookie) h["Cookie"] = this.cookie;
    if (this.csrf && !("X-Parley-CSRF" in headers)) h["X-Parley-CSRF"] = this.csrf;
    if (body !== undefined) h["Content-Type"] = "application/json";
    const res = await fetch(`${this.s.url}/v1/console${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, value] = pair!.split("=");
      if (name === "parley_console") this.cookie = value ? `parley_console=${value}` : "";
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (parsed && typeof parsed === "object" && typeof parsed.csrfToken === "string") this.csrf = parsed.csrfToken;
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = <T = any>(path: string) => this.req<T>("GET", path);
  post = <T = any>(path: string, body?: unknown) => this.req<T>("POST", path, body ?? {});
  del = <T = any>(path: string, body?: unknown) => this.req<T>("DELETE", path, body);
}

/** A sign-up link's token, made as the CLI makes it. */
export async function inviteToken(s: TestServer, input: ConsoleInviteRequest): Promise<string> {
  const { link } = await s.services.consoleMembers.invite(CLI, input, s.url);
  return link.split("/signup/")[1]!;
}

export const PASSWORD = "correct horse console";

/**
 * A TOTP code the server has not seen yet: for the step after the last one used (`used.step`).
 * The server accepts one step of drift either way, so that is the next step's code, valid at
 * once; only a third code within one step waits for the clock.
 */
export async function freshCode(secret: string, used: { step: number }): Promise<string> {
  const want = Math.max(used.step + 1, Math.floor(Date.now() / 30_000));
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    if (want <= now + 1) break;
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 50));
  }
  used.step = want;
  return totpCode(secret, want * 30_000 + 1_000);
}

/**
 * A signed-in console account with TOTP on (if `totp`), through the real routes: invite, sign up,
 * enrol. `used` is the step of its last TOTP code (for freshCode).
 */
export async function consoleAccount(
  s: TestServer,
  input: ConsoleInviteRequest,
  opts: { totp?: boolean } = {},
): Promise<{ browser: ConsoleBrowser; me: ConsoleSessionResponse; secret: string | null; recovery: string[]; used: { step: number } }> {
  const browser = new ConsoleBrowser(s);
  const token = await inviteToken(s, input);
  const up = await browser.post<ConsoleSessionResponse>("/signup", { token, password: PASSWORD });
  if (up.status !== 201) throw new Error(`sign-up: ${up.status} ${JSON.stringify(up.body)}`);
  let secret: string | null = null;
  let recovery: string[] = [];
  const used = { step: 0 };
  if (opts.totp ?? up.body.totpEnrolmentRequired) {
    const setup = await browser.post<{ secret: string }>("/me/totp/setup");
    secret = setup.body.secret;
    const on = await browser.post<{ recoveryCodes: string[] }>("/me/totp", { code: await freshCode(secret, used) });
    if (on.status !== 200) throw new Error(`enrol: ${on.status} ${JSON.stringify(on.body)}`);
    recovery = on.body.recoveryCodes;
  }
  const me = await browser.get<ConsoleSessionResponse>("/me");
  return { browser, me: me.body, secret, recovery, used };
}
