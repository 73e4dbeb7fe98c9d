import { css, html, nothing } from "lit";
import type { ChatClient, ChatState, Conversation, User } from "@parley/sdk";
import type { EmailPreference, EmailRecipient, PushKeyResponse } from "@parley/sdk/protocol";
import { avatar } from "../shared/avatar.js";
import { locale, type Strings } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { icons } from "../shared/icons.js";
import { base } from "../shared/styles.js";
import { INFO_EN, type InfoStrings } from "./parley-info.strings.js";

/**
 * Details: a conversation's members (roles, remove, promote, rename, leave), or — with no
 * conversation — the signed-in user's profile and contacts with their requests.
 * @event parley-rename - detail: name
 * @event parley-remove-member - detail: user id
 * @event parley-set-role - detail: { userId, role }
 * @event parley-leave
 * @event parley-mute - detail: whether the conversation is now muted (its notifications, on every device)
 * @event parley-save-profile - detail: { displayName, bio }
 * @event parley-avatar - detail: File
 * @event parley-contact - detail: { action: "request" | "accept" | "decline" | "remove", id }
 * @event parley-act - detail: { run, done? }; asks `<parley-chat>` to run one of the above with its client (busy flag, error banner; `done` is then said)
 * @event parley-client - detail: a callback; asks `<parley-chat>` for its client (it calls the callback with it)
 *
 * @csspart member - one member of the conversation
 * @csspart invited - someone invited to the group who has not answered yet ("invited"; members see them)
 * @csspart set-role - a member's promote / demote button
 * @csspart remove-member - a member's remove button
 * @csspart add-contact - a member's add-contact button
 * @csspart leave - the leave-group button
 * @csspart calls-unsupported - a 1:1 conversation's line saying that this browser cannot make calls (no WebRTC)
 * @csspart mute - the conversation's mute / unmute notifications button (aria-pressed when muted)
 * @csspart pins-button - shows or hides the conversation's pinned messages (`<parley-pins>`, a chunk of its own; aria-expanded)
 * @csspart notify - the profile's "turn on notifications" button: until the browser has the visitor's answer, and, with web push, while this device is not subscribed ("Retry" after a failure)
 * @csspart notify-status - the profile's line saying notifications are on (with web push: for this device, also when the tab is closed), or blocked in the browser
 * @csspart notify-error - why web push could not be turned on for this device (role alert; it describes the `notify` button)
 * @csspart notify-off - turns web push off for this device (removed on the server, unsubscribed in the browser)
 * @csspart profile - the profile form
 * @csspart email - the profile's choice of e-mail about unread messages (every time, daily, never), where the app sends them and the visitor has an address
 * @csspart email-quiet - the profile's quiet hours for those e-mails (from, until; in this device's time zone)
 * @csspart avatar-button - the styled "change photo" button
 * @csspart avatar-input - the avatar file picker (visually hidden inside its button)
 * @csspart request - an incoming contact request
 * @csspart accept - a request's accept button
 * @csspart decline - a request's decline button
 * @csspart contact - one contact
 * @csspart avatar - an avatar
 */
export class ParleyInfo extends ParleyView {
  static override properties = {
    state: { attribute: false },
    conversation: { attribute: false },
    server: { type: String },
    push: { state: true },
    pins: { state: true },
    mail: { state: true },
  };

  private get s(): Strings & InfoStrings {
    return { ...INFO_EN, ...this.t };
  }
  state: ChatState | undefined;
  conversation: Conversation | undefined;
  server = "";
  /** The profiles of people invited to the group (they are not members, so not in its `users`); null while asked for. */
  private invitees = new Map<string, User | null>();
  /** This device's web push: undefined where the host serves no service worker; "none" where the browser has no Push API. */
  private push: "off" | "busy" | "on" | "failed" | "none" | undefined;
  /** The pinned messages are shown (a chunk of their own, `<parley-pins>`). */
  private pins = false;
  /** The subscription given to the server, while `push` is "on". */
  private sub: PushSubscription | undefined;
  /** The client asked for the members' presence (presence.watch) while a group's details show. */
  private watching: ChatClient | undefined;
  /** The visitor's e-mail wishes (issue 55), asked for as the profile opens; undefined until then, or offline. */
  private mail: EmailRecipient | undefined;
  /** The quiet hours as last typed: a save's answer must not redraw over what was typed since. */
  private quietTyped: [string, string] | undefined;

  override focus(): void {
    this.shadowRoot?.querySelector<HTMLElement>("input, button")?.focus();
  }

  /**
   * Says what the visitor asked for (`name`, for the host) and, with `run`, has it done: this view
   * is a chunk of its own, so the code of its actions lives here, not in `<parley-chat>`.
   */
  override emit(name: string, detail: unknown = null, run?: (c: ChatClient) => Promise<unknown>, done?: string): void {
    super.emit(name, detail);
    if (run) super.emit("parley-act", { run, done });
  }

  private contact(action: "request" | "accept" | "decline" | "remove", id: string): void {
    this.emit("parley-contact", { action, id }, async ({ directory: d, store }) => {
      if (!store.state.contacts) await d.contacts();
      await (action === "request" ? d.requestContact(id) : action === "remove" ? d.removeContact(id) : d.answerRequest(id, action));
    });
  }

  private rename(id: string, name: string): void {
    this.emit("parley-rename", name, (x) => x.conversation(id).rename(name), this.s.saved);
  }

  /** Runs `fn` with `<parley-chat>`'s client. */
  private withClient(fn: (c: ChatClient) => unknown): void {
    super.emit("parley-client", fn);
  }

  private client(): Promise<ChatClient> {
    return new Promise((r) => this.withClient(r));
  }

  /**
   * Web push, where the host serves Parley's service worker: on the visitor's `press` (the browser
   * asks for permission first if it has not), or, as the profile opens, when this device is already
   * subscribed (given to the server again: the visitor may have signed in since, a new session).
   * Subscribes with the app's key and gives the subscription to the server, whose copy belongs to
   * this session. The browser hands back its subscription when it was made with that key, and
   * refuses one made with another (InvalidStateError: the app's keys were rotated since, and it gets
   * no pushes): that one goes (the server's copy too, at the push service's 410 for it), and a new
   * one is made; any other refusal is tried once more.
   */
  private async sync(press = false): Promise<void> {
    const granted = (press ? await Notification.requestPermission() : Notification.permission) === "granted";
    // Undefined without a service worker of the host's, or without the Push API.
    const reg = await navigator.serviceWorker?.getRegistration();
    const pm = reg?.pushManager;
    this.requestUpdate();
    if (reg && !pm) this.push = "none";
    if (!pm) return;
    this.push = "off";
    if (!granted || !(press || (await pm.getSubscription()))) return;
    this.push = press ? "busy" : "on";
    try {
      const c = await this.client();
      const options = { userVisibleOnly: true, applicationServerKey: (await c.request<PushKeyResponse>("GET", "/push/key")).publicKey };
      const sub = await pm.subscribe(options).catch(async () => {
        await (await pm.getSubscription())?.unsubscribe();
        return pm.subscribe(options);
      });
      await c.request("POST", "/push/subscriptions", sub.toJSON());
      this.sub = sub;
      this.push = "on";
    } catch {
      this.push = "failed";
    }
  }

  /** Turns web push off for this device: removed on the server, and unsubscribed in the browser. */
  private async turnOff(): Promise<void> {
    const sub = this.sub;
    if (sub) {
      // Should this fail (offline), the push service's 410 for the endpoint removes it on the server later.
      await (await this.client()).request("DELETE", "/push/subscriptions", { endpoint: sub.endpoint }).catch(() => undefined);
      await sub.unsubscribe().catch(() => undefined);
    }
    this.push = "off";
  }

  /** An invitee's profile: asked for the first time it is needed, drawn when it comes. */
  private invitee(id: string): User | null | undefined {
    if (!this.invitees.has(id)) {
      this.invitees.set(id, null);
      this.withClient((c) =>
        c.directory.getUser(id).then(
          (u) => (this.invitees.set(id, u), this.requestUpdate()),
          () => this.invitees.delete(id),
        ),
      );
    }
    return this.invitees.get(id);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.watching?.watchPresence([]).catch(() => undefined);
    this.watching = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const c = this.conversation;
    // A group's pending invitations as the server has them now (an answer does not reach every member's list).
    if (c?.kind === "group")
      this.withClient((x) => {
        x.conversation(c.id)
          .refresh()
          .catch(() => undefined);
        // In a group above the app's presence group size nobody is pushed the members' presence:
        // the list asks for whom it shows (the server's bound: 100), and stops when it closes.
        const me = this.state?.me?.id;
        this.watching = x;
        x.watchPresence(
          c.members
            .map((m) => m.userId)
            .filter((id) => id !== me)
            .slice(0, 100),
        ).catch(() => undefined);
      });
    if (c) return;
    // The profile: data rights (download, delete the account) are a chunk of their own, loaded
    // only here; offline it fails quietly (both of its actions need the server anyway), the next
    // opening tries again. The contacts are asked for afresh.
    import("../data/parley-data.js").catch(() => undefined);
    // The visitor's reminders (issue 55): a chunk of its own too.
    import("../reminders/parley-reminders.js").catch(() => undefined);
    this.withClient((x) => x.directory.contacts().catch(() => undefined));
    // (Without the Notification API it throws, caught here.)
    void this.sync().catch(() => undefined);
    this.withClient((x) =>
      x
        .request<EmailRecipient>("GET", "/me/email")
        .then((m) => (this.mail = m))
        .catch(() => undefined),
    );
  }

  /**
   * E-mail about unread messages, offered where the app sends it and the visitor has an address:
   * how often, and quiet hours (both times set, or both cleared). Every change also gives the
   * server the widget's language and this device's time zone, which the e-mails and the quiet
   * hours go by.
   */
  private emailChoice() {
    const t = this.s;
    const m = this.mail;
    if (!m?.sending || !m.email) return nothing;
    const save = (change: Partial<Pick<EmailRecipient, "preference" | "quietHours">>) => {
      const body = { ...change, locale, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone };
      this.emit("parley-email-preference", body, async (x) => (this.mail = await x.request<EmailRecipient>("PUT", "/me/email", body)), t.saved);
    };
    const quiet = (e: Event) => {
      const [from = "", to = ""] = [...(e.currentTarget as HTMLElement).querySelectorAll("input")].map((i) => i.value);
      this.quietTyped = [from, to];
      if (from && to && from !== to) save({ quietHours: { from, to } });
      else if (!from && !to && m.quietHours) save({ quietHours: null });
    };
    return html`<label part="email">${t.emailPreference}
        <select .value=${m.preference} aria-describedby="email-to" @change=${(e: Event) =>
          save({ preference: (e.target as HTMLSelectElement).value as EmailPreference })}>
          <option value="every">${t.emailEvery}</option>
          <option value="daily">${t.emailDaily}</option>
          <option value="never">${t.emailNever}</option>
        </select>
      </label>
      <p id="email-to" class="muted">${t.emailTo.replace("{email}", m.email)}</p>
      <fieldset part="email-quiet" class="row" @change=${quiet}>
        <legend>${t.emailQuiet}</legend>
        <label>${t.emailQuietFrom}<input type="time" .value=${this.quietTyped?.[0] ?? m.quietHours?.from ?? ""} /></label>
        <label>${t.emailQuietTo}<input type="time" .value=${this.quietTyped?.[1] ?? m.quietHours?.to ?? ""} /></label>
      </fieldset>`;
  }

  override render() {
    return this.conversation ? this.members(this.conversation) : this.profile();
  }

  private members(c: Conversation) {
    const t = this.s;
    const me = this.state?.me?.id;
    const admin = c.myRole === "owner" || c.myRole === "admin";
    const isContact = (id: string) => this.state?.contacts?.contacts.some((x) => x.user.id === id);
    return html`${
      c.kind === "group" && admin
        ? html`<form class="row" @submit=${(e: SubmitEvent) => (e.preventDefault(), this.rename(c.id, String(new FormData(e.target as HTMLFormElement).get("name") ?? "").trim()))}>
            <input name="name" aria-label=${t.groupName} .value=${c.name ?? ""} required maxlength="100" /><button class="primary">${t.save}</button>
          </form>`
        : nothing
    }
      <button part="mute" aria-pressed=${!!c.muted} @click=${() => this.emit("parley-mute", !c.muted, (x) => x.conversation(c.id).mute(!c.muted))}>
        ${c.muted ? t.unmuteConversation : t.muteConversation}
      </button>
      <button part="pins-button" aria-expanded=${this.pins} @click=${() =>
        import("../pins/parley-pins.js").then(
          () => (this.pins = !this.pins),
          () => super.emit("parley-notice", t.loadFailed),
        )}><span aria-hidden="true">📌</span> ${t.pinnedMessages}</button>
      ${this.pins ? html`<parley-pins .t=${t} .conversation=${c}></parley-pins>` : nothing}
      ${
        // The app's model (issue 54): summaries and translation, a chunk of their own, only where the app turned them on.
        this.state?.me?.ai
          ? (import("../streams/parley-ai-tools.js").catch(() => undefined),
            html`<parley-ai-tools .t=${t} .me=${this.state.me} .conversation=${c}></parley-ai-tools>`)
          : nothing
      }
      ${c.kind === "direct" && typeof RTCPeerConnection === "undefined" ? html`<p part="calls-unsupported" class="muted">${t.callUnsupported}</p>` : nothing}
      <h3>${t.members}</h3>
      <ul>
        ${c.members.map((m) => {
          const u = c.users.find((x) => x.id === m.userId);
          return html`<li part="member" data-id=${m.userId}>
            ${avatar(u, this.server, this.state?.presence[m.userId]?.online ?? false)}
            <span class="grow">${u?.displayName ?? m.userId}${m.userId === me ? ` (${t.you})` : ""}</span>
            ${c.kind === "group" ? html`<span class="muted">${t[`role_${m.role}`]}</span>` : nothing}
            ${
              c.myRole === "owner" && m.userId !== me && m.role !== "owner"
                ? html`<button part="set-role" @click=${() => {
                    const d = { userId: m.userId, role: m.role === "admin" ? ("member" as const) : ("admin" as const) };
                    this.emit("parley-set-role", d, (x) =>
                      x
                        .conversation(c.id)
                        .setRole(d.userId, d.role)
                        .then(() => x.conversation(c.id).refresh()),
                    );
                  }}>${m.role === "admin" ? t.removeAdmin : t.makeAdmin}</button>`
                : nothing
            }
            ${
              c.kind === "group" && admin && m.userId !== me && m.role !== "owner"
                ? html`<button part="remove-member" aria-label="${t.delete} ${u?.displayName ?? ""}" @click=${() =>
                    this.emit("parley-remove-member", m.userId, (x) =>
                      x
                        .conversation(c.id)
                        .removeMember(m.userId)
                        .then(() => x.conversation(c.id).refresh()),
                    )}>${icons.close}</button>`
                : nothing
            }
            ${
              c.kind === "direct" && m.userId !== me && !isContact(m.userId)
                ? html`<button part="add-contact" @click=${() => this.contact("request", m.userId)}>${t.addContact}</button>`
                : nothing
            }
          </li>`;
        })}
        ${(c.invitedUserIds ?? [])
          .filter((id) => !c.members.some((m) => m.userId === id))
          .map((id) => {
            const u = this.invitee(id);
            return html`<li part="invited" data-id=${id}>
              ${avatar(u ?? undefined, this.server)}<span class="grow">${u?.displayName ?? "…"}</span><span class="muted">${t.invited}</span>
            </li>`;
          })}
      </ul>
      ${c.kind === "group" ? html`<button part="leave" class="danger" @click=${() => this.emit("parley-leave")}>${t.leave}</button>` : nothing}`;
  }

  /**
   * Browser notifications for this device: the browser asks the visitor only when they press the
   * button (never on page load); then what the browser says (on, or blocked in its settings). Where
   * the host serves Parley's service worker, the press also subscribes this device to web push
   * (busy meanwhile; on failure the error, at the button, which then retries), and "Turn off"
   * unsubscribes it. One button throughout, so focus stays on it.
   */
  private notifications() {
    const t = this.s;
    if (typeof Notification === "undefined") return html`<p part="notify-status" class="muted">${t.notifyUnsupported}</p>`;
    const p = Notification.permission;
    const x = this.push;
    const on = x === "on";
    const failed = x === "failed";
    // Without a Push API it is said instead of "on": what is missing is what the visitor looks for here.
    const say =
      p === "denied" ? t.notifyDenied : on ? t.notifyPushOn : failed ? t.notifyFailed : x === "none" ? t.notifyNoPush : p === "granted" && t.notifyEnabled;
    return html`${
      say
        ? html`<p id="notify-say" part=${failed ? "notify-error" : "notify-status"} class=${failed ? "danger" : "muted"} role=${failed ? "alert" : "status"}>${say}</p>`
        : nothing
    }
      ${
        p !== "denied" && (p === "default" || (x && x !== "none"))
          ? html`<button part=${on ? "notify-off" : "notify"} aria-describedby=${failed ? "notify-say" : nothing} @click=${() =>
              void (
                on ? this.turnOff() : this.sync(true)
              )}>${on ? t.notifyOff : x === "busy" ? t.notifyBusy : failed ? t.retry : p === "granted" ? t.notifyClosed : t.notifyOn}</button>`
          : nothing
      }`;
  }

  private profile() {
    const t = this.s;
    const me = this.state?.me;
    const contacts = this.state?.contacts;
    if (!me) return nothing;
    return html`<form part="profile" class="stack" @submit=${(e: SubmitEvent) => {
      e.preventDefault();
      const f = new FormData(e.target as HTMLFormElement);
      const d = { displayName: String(f.get("displayName") ?? "").trim(), bio: String(f.get("bio") ?? "").trim() };
      this.emit("parley-save-profile", d, (x) => x.updateProfile(d), t.saved);
    }}>
        <div class="row">${avatar(me, this.server)}
          <label part="avatar-button" class="file-button">${t.changeAvatar}<input part="avatar-input" class="sr-only" type="file" accept="image/png,image/jpeg,image/gif,image/webp" @change=${(
            e: Event,
          ) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (file) this.emit("parley-avatar", file, (x) => x.setAvatar(file), t.saved);
          }} /></label>
        </div>
        <label>${t.displayName}<input name="displayName" .value=${me.displayName} required maxlength="80" /></label>
        <label>${t.bio}<textarea name="bio" maxlength="500" .value=${me.bio}></textarea></label>
        <button class="primary">${t.save}</button>
      </form>
      ${this.notifications()} ${this.emailChoice()}
      <parley-reminders .t=${t}></parley-reminders>
      <h3>${t.contacts}</h3>
      ${
        contacts === null || contacts === undefined
          ? html`<p class="muted" role="status">${t.loading}</p>`
          : html`<ul>
            ${contacts.incoming.map(
              (r) => html`<li part="request">
              ${avatar(r.user, this.server)}<span class="grow">${r.user.displayName}</span>
              <button part="accept" class="primary" @click=${() => this.contact("accept", r.id)}>${t.accept}</button>
              <button part="decline" @click=${() => this.contact("decline", r.id)}>${t.decline}</button>
            </li>`,
            )}
            ${contacts.contacts.map(
              (c) => html`<li part="contact">
              ${avatar(c.user, this.server, this.state?.presence[c.user.id]?.online ?? c.online)}<span class="grow">${c.user.displayName}</span>
              <button aria-label="${t.delete} ${c.user.displayName}" @click=${() => this.contact("remove", c.user.id)}>${icons.close}</button>
            </li>`,
            )}
            ${contacts.outgoing.map((r) => html`<li class="muted">${r.user.displayName} · ${t.pending}</li>`)}
            ${contacts.contacts.length + contacts.incoming.length + contacts.outgoing.length === 0 ? html`<li class="muted">${t.noContacts}</li>` : nothing}
          </ul>`
      }
      <parley-data .t=${t} .me=${me}></parley-data>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
        overflow: auto;
        padding: 12px;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0 0 12px;
      }
      li,
      .row {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 4px 0;
      }
      .grow {
        flex: 1;
      }
      .stack {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      fieldset {
        border: none;
        padding: 0;
        margin: 0;
      }
      legend {
        padding: 0;
        margin-block-end: 4px;
      }
      select {
        font: inherit;
        font-size: 16px;
        color: inherit;
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: 8px;
        padding: 10px;
        min-height: 44px;
      }
      .file-button {
        display: inline-flex;
        align-items: center;
        min-height: 44px;
        padding: 0 14px;
        border: 1px solid var(--_border);
        border-radius: 8px;
        cursor: pointer;
        font-weight: 500;
      }
      .file-button:hover {
        background: var(--_surface);
      }
      .file-button:focus-within {
        outline: 2px solid var(--_focus);
        outline-offset: 2px;
      }
      h3 {
        font-size: 14px;
        margin: 16px 0 6px;
      }
      .danger {
        color: var(--_danger);
      }
    `,
  ];
}
customElements.get("parley-info") || customElements.define("parley-info", ParleyInfo);
