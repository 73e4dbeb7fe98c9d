import { html, nothing, type PropertyValues } from "lit";
import { isChatError, type Conversation } from "@parley/sdk";
import type { Call } from "@parley/sdk/protocol";
import { Calls, CallSession } from "@parley/sdk/calls";
import { format, locale } from "../i18n/i18n.js";
import type { ChatHost } from "../chat/chat-host.js";
import { initials } from "../shared/avatar.js";
import { ParleyView } from "../shared/view.js";
import { headerButtons, ICONS } from "./call-buttons.js";
import { CALLS_EN, type CallStrings } from "./parley-call.strings.js";
import { callStyles } from "./parley-call.styles.js";

/** `<parley-chat>` as this chunk sees it: it draws the header's call buttons (`calls`) and shows a conversation. */
export interface CallHost extends ChatHost {
  calls?: ((c: Conversation | undefined) => unknown) | undefined;
  mode: string;
  showConversation(id: string): void;
}

/** What the view shows: a call ringing here, this visitor's call until it is answered, a live call, or why it could not be. */
type Phase = "ringing" | "calling" | "live" | "error";

/**
 * The call view (issue 53), over the panel: a call ringing here (who calls, Answer, Answer with
 * video, Decline; announced as an alert dialog, and with the tab hidden a browser notification),
 * then the call (the other side's video, or their initials in a voice call; the visitor's camera
 * as a small tile; mute, camera, hang up, the time since it was answered). The microphone or
 * camera refused or missing is said in words. Escape never hangs up: hanging up is its button.
 * A lazy chunk, fetched after sign-in where the browser has WebRTC; it draws the header's buttons.
 *
 * @element parley-call
 *
 * @csspart call - the dialog (ringing, calling, in a call)
 * @csspart call-remote - the other side's video
 * @csspart call-local - the visitor's own camera, a small tile
 * @csspart call-avatar - the other side's initials (a voice call, or before their video comes)
 * @csspart call-name - the other side's name
 * @csspart call-status - ringing, calling, connecting, or the time since the call was answered
 * @csspart call-error - why the microphone or camera could not be used
 * @csspart call-controls - the buttons
 * @csspart call-answer - answers (microphone only)
 * @csspart call-answer-video - answers a video call with the camera on
 * @csspart call-decline - declines a ringing call
 * @csspart call-mute - mutes or unmutes the microphone (aria-pressed)
 * @csspart call-camera - turns the camera off or on (aria-pressed)
 * @csspart call-hangup - hangs up (or cancels the call before it is answered)
 * @csspart call-close - closes the view after an error
 */
export class ParleyCall extends ParleyView {
  static override properties = { phase: { state: true }, call: { state: true }, error: { state: true } };
  static override styles = callStyles;
  phase: Phase | null = null;
  call: Call | null = null;
  error = "";
  name = "";
  video = false;
  session: CallSession | null = null;
  private muted = false;
  private cameraOff = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  calls!: Calls;
  host!: CallHost;

  get s(): CallStrings {
    return { ...CALLS_EN, ...this.host.t } as CallStrings;
  }

  /** Shows a call that rings here (announced; with the tab hidden, a notification). */
  ringing(call: Call): void {
    if (this.phase) return;
    this.call = call;
    this.video = call.kind === "video";
    this.name = this.nameOf(call.startedBy);
    this.error = "";
    this.phase = "ringing";
    const t = this.s;
    if (document.hidden && typeof Notification !== "undefined" && Notification.permission === "granted") {
      const n = new Notification(format(t.callRinging, { name: this.name }), {
        body: this.video ? t.callIncomingVideo : t.callIncomingVoice,
        tag: call.id,
        lang: locale,
      });
      n.onclick = () => (focus(), n.close(), this.host.showConversation(call.conversationId));
    }
  }

  /** Calls the other member of a direct conversation: the microphone (and camera) first, then the ring. */
  async start(c: Conversation, video: boolean): Promise<void> {
    if (this.phase) return;
    const other = c.users.find((u) => u.id !== this.calls.me);
    this.name = other?.displayName ?? "";
    this.video = video;
    this.error = "";
    this.call = null;
    this.phase = "calling";
    const stream = await this.media(video);
    if (!stream) return;
    try {
      this.connect(await this.calls.start(c.id, { video }), stream);
    } catch (e) {
      for (const tr of stream.getTracks()) tr.stop();
      this.fail(isChatError(e) ? e.message : this.s.callFailed);
    }
  }

  private async answer(video: boolean): Promise<void> {
    const id = this.call!.id;
    this.video = video;
    const stream = await this.media(video, true);
    if (!stream) return;
    try {
      this.connect(await this.calls.accept(id), stream);
    } catch (e) {
      for (const tr of stream.getTracks()) tr.stop();
      this.fail(isChatError(e) ? e.message : this.s.callFailed);
    }
  }

  /** The microphone (and camera); null when refused or missing, said in words (a ringing call stays, to decline or try again). */
  private async media(video: boolean, ringing = false): Promise<MediaStream | null> {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video });
    } catch (e) {
      const name = (e as DOMException)?.name;
      const t = this.s;
      const why =
        name === "NotAllowedError" || name === "SecurityError"
          ? t.callDenied
          : name === "NotFoundError" || name === "OverconstrainedError"
            ? t.callNoDevice
            : t.callFailed;
      if (ringing) this.error = why;
      else this.fail(why);
      return null;
    }
  }

  private connect(call: Call, stream: MediaStream): void {
    this.call = call;
    this.error = "";
    if (call.state === "ended") return this.close();
    void CallSession.open(this.calls, call, { stream }).then(
      (session) => {
        this.session = session;
        this.muted = this.cameraOff = false;
        session.on("track", () => this.requestUpdate());
        session.on("ended", () => this.close());
        if (this.call?.state === "ended") return void session.hangUp();
        this.phase = call.state === "active" ? "live" : "calling";
        this.requestUpdate();
      },
      () => this.fail(this.s.callFailed),
    );
  }

  /** A call this visitor is in or rung for changed, or ended (on any device of theirs). */
  changed(call: Call): void {
    if (call.id !== this.call?.id) return;
    this.call = call;
    // Ended (on either side, any device): the view closes; the session, if any, stops its own media.
    if (call.state === "ended") return this.close();
    if (call.state === "active" && this.phase === "calling" && this.session) this.phase = "live";
    // Answered on another device of this visitor's: it carries the call, this one stops ringing.
    if (this.phase === "ringing" && call.participants.some((p) => p.userId === this.calls.me && p.state === "joined") && !this.calls.carries(call.id))
      this.close();
  }

  private fail(why: string): void {
    this.error = why;
    this.phase = "error";
  }

  private async hangUp(): Promise<void> {
    if (this.session) await this.session.hangUp();
    else if (this.call) await this.calls.hangUp(this.call.id).catch(() => undefined);
    this.close();
  }

  private decline(): void {
    if (this.call) void this.calls.decline(this.call.id).catch(() => undefined);
    this.close();
  }

  close(): void {
    if (!this.phase) return;
    this.phase = null;
    this.session = null;
    this.call = null;
    this.error = "";
    // Back to where the visitor was: the header's call button, if it is shown.
    void this.updateComplete.then(() => this.host.shadowRoot?.querySelector<HTMLElement>("[part=call-voice]")?.focus());
  }

  private nameOf(userId: string): string {
    const s = this.host.chat?.store.state;
    for (const c of Object.values(s?.conversations ?? {})) {
      const u = c.users.find((x) => x.id === userId);
      if (u) return u.displayName;
    }
    return "";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener("keydown", (e) => {
      // Escape stays here (it would close the panel): a call ends by its button only.
      if (e.key === "Escape") e.stopPropagation();
      if (e.key !== "Tab") return;
      // Focus stays in the dialog while it is open.
      const b = [...(this.shadowRoot?.querySelectorAll<HTMLElement>("button") ?? [])];
      const at = b.indexOf(this.shadowRoot?.activeElement as HTMLElement);
      const to = e.shiftKey ? (at <= 0 ? b.length - 1 : -1) : at === b.length - 1 ? 0 : -1;
      if (to >= 0) e.preventDefault(), b[to]?.focus();
    });
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("phase")) {
      clearInterval(this.ticker);
      if (this.phase === "live") this.ticker = setInterval(() => this.requestUpdate(), 1000);
      this.hidden = !this.phase;
      // Keyboard first: the dialog takes the focus (a ringing one only when the visitor is in the chat, not typing in the page).
      const into =
        this.phase && (this.phase !== "ringing" || document.activeElement === this.host || this.host.hasAttribute("open") || this.host.mode === "inline");
      if (into && changed.get("phase") !== undefined) this.shadowRoot?.querySelector<HTMLElement>(".controls button")?.focus();
    }
    const v = this.shadowRoot?.querySelector<HTMLVideoElement>(".remote");
    if (v && this.session && v.srcObject !== this.session.remoteStream) v.srcObject = this.session.remoteStream;
    const l = this.shadowRoot?.querySelector<HTMLVideoElement>(".local");
    if (l && this.session && l.srcObject !== this.session.localStream) l.srcObject = this.session.localStream;
  }

  override render() {
    if (!this.phase) return nothing;
    const t = this.s;
    const lang = (this.host as unknown as { language: { tag: string; dir: string } }).language;
    const ringing = this.phase === "ringing";
    const live = this.phase === "live";
    const since = this.call?.answeredAt ? Date.now() - Date.parse(this.call.answeredAt) : 0;
    const status = ringing
      ? this.video
        ? t.callIncomingVideo
        : t.callIncomingVoice
      : this.phase === "calling"
        ? this.call?.state === "active"
          ? t.callConnecting
          : format(t.callCalling, { name: this.name })
        : live
          ? `${Math.floor(since / 60000)}:${String(Math.floor(since / 1000) % 60).padStart(2, "0")}`
          : t.callEnded;
    const remoteVideo = !!this.session && this.video && this.session.remoteStream.getVideoTracks().length > 0;
    const button = (part: string, label: string, ic: unknown, go: () => void, o: { cls?: string; pressed?: boolean; text?: boolean } = {}) =>
      html`<button part=${part} class=${o.cls ?? ""} aria-label=${o.text ? nothing : label} aria-pressed=${o.pressed === undefined ? nothing : o.pressed} @click=${go}>${ic}${o.text ? label : nothing}</button>`;
    return html`<div part="call" class="call" lang=${lang?.tag ?? nothing} dir=${lang?.dir ?? nothing} role=${ringing ? "alertdialog" : "dialog"} aria-modal="true" aria-labelledby="call-name" aria-describedby="call-status">
      <div class="stage ${remoteVideo ? "video" : ""}">
        <video part="call-remote" class="remote ${remoteVideo ? "" : "gone"}" autoplay playsinline></video>
        ${remoteVideo ? nothing : html`<span part="call-avatar" class="avatar" aria-hidden="true">${initials(this.name)}</span>`}
        ${this.session && this.video && !this.cameraOff ? html`<video part="call-local" class="local" autoplay playsinline muted aria-label=${t.callYou}></video>` : nothing}
      </div>
      <div class="info">
        <h2 id="call-name" part="call-name">${ringing ? format(t.callRinging, { name: this.name }) : this.name}</h2>
        <p id="call-status" part="call-status" class="status" role=${live ? nothing : "status"}>${status}</p>
      </div>
      ${this.error ? html`<p part="call-error" class="error" role="alert">${this.error}</p>` : nothing}
      <div part="call-controls" class="controls">
        ${
          ringing
            ? html`${button("call-answer", t.callAnswer, ICONS.voice, () => void this.answer(false), { cls: "answer", text: true })}
              ${this.video ? button("call-answer-video", t.callAnswerVideo, ICONS.video, () => void this.answer(true), { cls: "answer", text: true }) : nothing}
              ${button("call-decline", t.callDecline, ICONS.end, () => this.decline(), { cls: "end", text: true })}`
            : this.phase === "error"
              ? button("call-close", t.callClose, nothing, () => this.close(), { text: true })
              : html`${button("call-mute", this.muted ? t.callUnmute : t.callMute, this.muted ? ICONS.micOff : ICONS.mic, () => this.toggle("audio"), { pressed: this.muted })}
                ${this.video ? button("call-camera", this.cameraOff ? t.callCameraOn : t.callCameraOff, ICONS.camOff, () => this.toggle("video"), { pressed: this.cameraOff }) : nothing}
                ${button("call-hangup", t.callHangUp, ICONS.end, () => void this.hangUp(), { cls: "end" })}`
        }
      </div>
    </div>`;
  }

  private toggle(kind: "audio" | "video"): void {
    const off = kind === "audio" ? (this.muted = !this.muted) : (this.cameraOff = !this.cameraOff);
    this.session?.mute(kind, off);
    this.requestUpdate();
  }
}

customElements.get("parley-call") || customElements.define("parley-call", ParleyCall);

/** One call view per `<parley-chat>`. */
const views = new WeakMap<CallHost, ParleyCall>();

/**
 * Calls for a signed-in `<parley-chat>` (its loader calls this after each sign-in, where the browser
 * has WebRTC): listens for calls that ring, draws the header's Voice call and Video call buttons in
 * a 1:1 conversation, and places the call view in the element's shadow root, before what Lit draws
 * (so a render never takes it away).
 */
export function attach(host: CallHost): void {
  const chat = host.chat;
  if (!chat || views.has(host)) return;
  // Nobody signed in yet: once someone is.
  if (!chat.user) return void chat.on("session.changed", (me) => me && attach(host));
  // No camera or microphone API (a page that is not a secure context): no buttons, and no asking again.
  if (!navigator.mediaDevices?.getUserMedia) return void (host.calls = () => nothing);
  const view = document.createElement("parley-call");
  view.host = host;
  view.calls = new Calls(chat);
  view.hidden = true;
  views.set(host, view);
  const sync = () => {
    view.toggleAttribute("inline", host.mode === "inline");
    const corner = host.getAttribute("corner");
    if (corner) view.setAttribute("corner", corner);
  };
  sync();
  host.shadowRoot?.prepend(view);
  view.calls.on("incoming", (c) => (sync(), view.ringing(c)));
  view.calls.on("updated", (c) => view.changed(c));
  view.calls.on("ended", (c) => view.changed(c));
  host.calls = (c) => {
    const s = view.s;
    if (c?.kind !== "direct" || host.draft) return nothing;
    const go = (video: boolean) => (sync(), void view.start(c, video));
    return headerButtons(s, !!view.phase, go);
  };
  host.requestUpdate();
  // A call that was ringing when the page loaded rings here too.
  void view.calls.live().catch(() => undefined);
  // The header's buttons are disabled while a call is shown.
  new MutationObserver(() => host.requestUpdate()).observe(view, { attributes: true, attributeFilter: ["hidden"] });
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-call": ParleyCall;
  }
}
