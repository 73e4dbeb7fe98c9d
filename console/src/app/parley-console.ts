import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import type { ConsoleSessionResponse } from "@parley/sdk/protocol";
import { page as pageStyles, tokens } from "../shared/styles.js";
import { ApiError, ConsoleApi } from "./api.js";
import { PAGES } from "./pages.js";
import { href, parseRoute, type Route } from "./routes.js";
import { applyLocale, LANG_KEY, LANGUAGES } from "./locale.js";
import { strings } from "./strings.js";

type Theme = "auto" | "light" | "dark";
const THEME_KEY = "parley-console:theme";
const NEXT_THEME: Record<Theme, Theme> = { auto: "light", light: "dark", dark: "auto" };

/** The language chosen from the menu, if this browser lets the page keep one. */
function chosenLanguage(): string | null {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

/**
 * The console's shell: who is signed in (GET /me, once), the header and the page the URL's hash
 * names, each page a lazy chunk. Signed out, every page but a sign-up link is the sign-in form;
 * an account that must enrol a second factor sees only the enrolment until it has. A sign-up link
 * is drawn signed in or out (its page accepts an invitation for an existing account).
 */
export class ParleyConsole extends LitElement {
  static override properties = {
    theme: { reflect: true },
    route: { state: true },
    session: { state: true },
    failure: { state: true },
    language: { state: true },
  };
  theme: Theme = "auto";
  route: Route = parseRoute(location.hash);
  /** undefined while asking the server; null when signed out. */
  session: ConsoleSessionResponse | null | undefined = undefined;
  failure: ApiError | null = null;
  private readonly api = new ConsoleApi();
  /** The language in use (locale.ts); null until its strings are loaded, before any page is drawn. */
  language: string | null = null;
  private get t() {
    return strings();
  }

  private readonly onHash = (): void => {
    this.route = parseRoute(location.hash);
  };
  private readonly onSession = (e: Event): void => {
    this.signedIn((e as CustomEvent<ConsoleSessionResponse>).detail);
  };
  private readonly onSignedOut = (): void => {
    this.session = null;
    this.api.csrf = "";
  };

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = localStorage.getItem(THEME_KEY);
    if (saved === "light" || saved === "dark" || saved === "auto") this.theme = saved;
    window.addEventListener("hashchange", this.onHash);
    this.addEventListener("console-session", this.onSession);
    this.addEventListener("console-signed-out", this.onSignedOut);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("hashchange", this.onHash);
  }

  private async start(): Promise<void> {
    this.failure = null;
    if (this.language === null) this.language = (await applyLocale([chosenLanguage(), ...navigator.languages])).code;
    try {
      this.signedIn(await this.api.get<ConsoleSessionResponse>("/me"));
    } catch (err) {
      // A sign-up link works signed out: there, any failure to ask counts as signed out.
      if ((err instanceof ApiError && err.status === 401) || this.route.page === "signup") this.onSignedOut();
      else this.failure = err instanceof ApiError ? err : new ApiError(0, "network", this.t.networkError);
    }
  }

  /** A sign-up link's page stays: an existing account signs in there to accept it, and the page moves on itself. */
  private signedIn(s: ConsoleSessionResponse): void {
    this.session = s;
    this.api.csrf = s.csrfToken;
    if (this.route.page === "signin") location.hash = href.apps;
  }

  private async signOut(): Promise<void> {
    try {
      await this.api.delete("/session");
    } catch {
      // Signed out here regardless: the cookie may already be gone.
    }
    this.onSignedOut();
    location.hash = href.signin;
  }

  /** Another language: kept for next time, and the console drawn again in it. */
  private chooseLanguage(e: Event): void {
    localStorage.setItem(LANG_KEY, (e.target as HTMLSelectElement).value);
    location.reload();
  }

  private toggleTheme(): void {
    this.theme = NEXT_THEME[this.theme];
    localStorage.setItem(THEME_KEY, this.theme);
  }

  /** Which page to draw now, whatever the hash says. */
  private current(): keyof typeof PAGES | "missing" | null {
    if (this.route.page === "signup") return "signup";
    if (this.session === undefined) return null;
    if (this.session === null) return "signin";
    if (this.session.totpEnrolmentRequired) return "totp";
    if (this.route.page === "signin") return "apps";
    // The server-wide pages are operators'; others are sent to their apps.
    const serverWide = ["health", "usage", "audit", "accounts"].includes(this.route.page);
    if (serverWide && !this.session.account.operator) return "apps";
    return this.route.page;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const p = this.current();
    // The page's chunk: its element upgrades when it arrives (properties set before are kept).
    if (p && p !== "missing") void PAGES[p]();
    if (changed.has("route") && changed.get("route") !== undefined) this.renderRoot.querySelector<HTMLElement>("main")?.focus();
  }

  private renderPage() {
    const p = this.language === null ? null : this.current();
    const r = this.route;
    switch (p) {
      case null:
        return html`<p role="status" class="muted">${this.t.loading}</p>`;
      case "signup":
        return html`<console-signup
          .api=${this.api}
          .session=${this.session ?? null}
          .checking=${this.session === undefined}
          .token=${r.page === "signup" ? r.token : ""}
        ></console-signup>`;
      case "signin":
        return html`<console-signin .api=${this.api} .session=${null}></console-signin>`;
      case "totp":
        return html`<console-totp .api=${this.api} .session=${this.session}></console-totp>`;
      case "apps":
        return html`<console-apps .api=${this.api} .session=${this.session}></console-apps>`;
      case "app":
        return r.page === "app" ? html`<console-app .api=${this.api} .session=${this.session} .appId=${r.appId} .tab=${r.tab}></console-app>` : nothing;
      case "account":
        return html`<console-account .api=${this.api} .session=${this.session}></console-account>`;
      case "health":
        return html`<console-health .api=${this.api} .session=${this.session}></console-health>`;
      case "usage":
        return html`<console-usage .api=${this.api} .session=${this.session} .app=${null}></console-usage>`;
      case "audit":
        return html`<console-audit .api=${this.api} .session=${this.session} .app=${null}></console-audit>`;
      case "accounts":
        return html`<console-accounts .api=${this.api} .session=${this.session}></console-accounts>`;
      default:
        return html`<div class="card"><p>${this.t.notFoundPage}</p><a href=${href.apps}>${this.t.backToApps}</a></div>`;
    }
  }

  override render() {
    const t = this.t;
    const s = this.session;
    const signedIn = s && !s.totpEnrolmentRequired;
    const themeLabel = { auto: t.themeAuto, light: t.themeLight, dark: t.themeDark }[this.theme];
    return html`<a class="skip" href="#content" @click=${(e: Event) => (e.preventDefault(), this.renderRoot.querySelector<HTMLElement>("main")?.focus())}
        >${t.skipToContent}</a
      >
      <header>
        <a class="brand" href=${href.apps}>${t.product}</a>
        ${
          signedIn
            ? html`<nav aria-label=${t.nav}>
              <a href=${href.apps} aria-current=${this.route.page === "apps" || this.route.page === "app" ? "page" : "false"}>${t.navApps}</a>
              ${
                s.account.operator
                  ? html`<a href=${href.usage} aria-current=${this.route.page === "usage" ? "page" : "false"}>${t.navUsage}</a>
                      <a href=${href.health} aria-current=${this.route.page === "health" ? "page" : "false"}>${t.navHealth}</a>
                      <a href=${href.audit} aria-current=${this.route.page === "audit" ? "page" : "false"}>${t.navAudit}</a>
                      <a href=${href.accounts} aria-current=${this.route.page === "accounts" ? "page" : "false"}>${t.navAccounts}</a>`
                  : nothing
              }
              <a href=${href.account} aria-current=${this.route.page === "account" ? "page" : "false"}>${t.navAccount}</a>
            </nav>`
            : nothing
        }
        <div class="tools">
          ${s ? html`<span class="who muted">${s.account.email}</span>` : nothing}
          <select class="language" aria-label=${t.language} @change=${this.chooseLanguage}>
            ${LANGUAGES.map((l) => html`<option value=${l.code} lang=${l.code} ?selected=${l.code === this.language}>${l.name}</option>`)}
          </select>
          <button type="button" class="secondary" @click=${this.toggleTheme} aria-label=${themeLabel} title=${themeLabel}>
            ${this.theme === "dark" ? "☾" : this.theme === "light" ? "☀" : "◐"}
          </button>
          ${s ? html`<button type="button" class="secondary" @click=${this.signOut}>${t.signOut}</button>` : nothing}
        </div>
      </header>
      <main id="content" tabindex="-1">
        ${
          this.failure
            ? html`<div class="card narrow" role="alert">
              <p>${this.failure.message}</p>
              <button type="button" class="primary" @click=${() => this.start()}>${t.retry}</button>
            </div>`
            : this.renderPage()
        }
      </main>`;
  }

  static override styles = [
    tokens,
    pageStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--_surface);
        color: var(--_text);
        font-family: var(--_font);
        line-height: 1.5;
      }
      .skip {
        position: absolute;
        inset-inline-start: 8px;
        top: -48px;
        background: var(--_bg);
        padding: 8px;
        z-index: 1;
      }
      .skip:focus {
        top: 8px;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 16px;
        padding: 8px 16px;
        background: var(--_bg);
        border-block-end: 1px solid var(--_border);
      }
      .brand {
        font-weight: 700;
        text-decoration: none;
        font-size: 1.1rem;
      }
      nav {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
      }
      nav a {
        text-decoration: none;
        padding: 10px 12px;
        border-radius: 8px;
        min-height: 44px;
        display: inline-flex;
        align-items: center;
      }
      nav a[aria-current="page"] {
        background: var(--_surface);
        font-weight: 600;
        text-decoration: underline;
      }
      .tools {
        margin-inline-start: auto;
        display: flex;
        align-items: center;
        gap: 8px;
        flex-wrap: wrap;
      }
      .who {
        overflow-wrap: anywhere;
      }
      .language {
        min-height: 44px;
        max-width: 11em;
      }
      main {
        padding: 16px;
        max-width: 1040px;
        margin-inline: auto;
        outline: none;
      }
      @media (max-width: 640px) {
        .who {
          display: none;
        }
        main {
          padding: 12px 8px;
        }
      }
    `,
  ];
}
