import { html, nothing, type PropertyValues } from "lit";
import { isChatError, type Conversation } from "@parley/sdk";
import type { Call } from "@parley/sdk/protocol";
import { Calls, CallSession, GroupCallSession } from "@parley/sdk/calls";
import { format, locale } from "../i18n/i18n.js";
import type { ChatHost } from "../chat/chat-host.js";
import { initials } from "../shared/avatar.js";
import { ParleyView } from "../shared/view.js";
import { headerButtons, ICONS } from "./call-buttons.js";
import { bucket, speakers } from "./call-grid.js";
import { openLinkedCall } from "./call-link.js";
import { canPickSpeaker, deviceOf, type DeviceLists, listDevices, playTo } from "./devices.js";
import { CALLS_EN, type CallStrings } from "./parley-call.strings.js";
import { callStyles } from "./parley-call.styles.js";
import { Ringer } from "./ringer.js";

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
 * video, Decline; announced as an alert dialog, and with the tab hidden the title, a ring tone and
 * a browser notification), then the call: in a 1:1 call the other side's video (or their initials)
 * with the visitor's camera as a small tile; in a group call (through the SFU) a grid of tiles, one
 * per participant in the call (video or initials, the name, the visitor's muted microphone, a ring
 * round whoever speaks), that reflows for their number and leaves out whoever left. Mute, camera,
 * devices (microphone, camera, and the speaker where the browser can choose one), hang up, the time
 * since it was answered. The microphone or camera refused or missing is said in words. Escape never
 * hangs up: hanging up is its button. A lazy chunk, fetched after sign-in where the browser has
 * WebRTC; it draws the header's buttons.
 *
 * @element parley-call
 *
 * @csspart call - the dialog (ringing, calling, in a call)
 * @csspart call-remote - the other side's video (a 1:1 call)
 * @csspart call-local - the visitor's own camera, a small tile (a 1:1 call)
 * @csspart call-avatar - initials (a voice call, or before someone's video comes)
 * @csspart call-grid - a group call's tiles (a list)
 * @csspart call-tile - one participant of a group call (`data-speaking` while they speak)
 * @csspart call-tile-video - a participant's video in their tile
 * @csspart call-tile-name - a participant's name in their tile
 * @csspart call-tile-muted - the visitor's own tile: the microphone is off
 * @csspart call-name - who calls, or whom (which group) the call is with
 * @csspart call-status - ringing, calling, connecting, or the time since the call was answered
 * @csspart call-error - why the microphone or camera could not be used
 * @csspart call-devices - the devices menu's button (aria-expanded)
 * @csspart call-device-list - the microphone, camera and speaker choices
 * @csspart call-pick-microphone - the microphone choice
 * @csspart call-pick-camera - the camera choice (a video call)
 * @csspart call-pick-speaker - the speaker choice (where the browser can play to a chosen one)
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
  /** Who calls (ringing), or whom the call is with: the other person, or the group's name. */
  name = "";
  /** A ringing group call's group. */
  private place = "";
  /** The call this device is answering (until it is closed). */
  private answering = "";
  video = false;
  session: CallSession | GroupCallSession | null = null;
  private muted = false;
  private cameraOff = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly ring = new Ringer();
  private note: Notification | undefined;
  private devices: DeviceLists | null = null;
  private sinkId = "";
  /** Remote participants of a group call speaking now. */
  private speaking = new Set<string>();
  calls!: Calls;
  host!: CallHost;

  get s(): CallStrings {
    return { ...CALLS_EN, ...this.host.t } as CallStrings;
  }

  private get group(): boolean {
    return this.call?.mode === "sfu";
  }

  /** Shows a call that rings here (announced; rings; with the tab hidden, the title and a notification). */
  ringing(call: Call): void {
    if (this.phase) return;
    this.call = call;
    this.video = call.kind === "video";
    this.name = this.nameOf(call.startedBy);
    const c = this.host.chat?.store.state.conversations[call.conversationId];
    this.place = c?.kind === "group" ? this.host.titleOf(c) : "";
    this.error = "";
    this.phase = "ringing";
    const t = this.s;
    this.ring.start(format(t.callRinging, { name: this.name }));
    if (document.hidden && typeof Notification !== "undefined" && Notification.permission === "granted") {
      const n = (this.note = new Notification(format(t.callRinging, { name: this.name }), { body: this.incoming(), tag: call.id, lang: locale }));
      n.onclick = () => (focus(), n.close(), this.host.showConversation(call.conversationId));
    }
  }

  /** "Incoming video call", or "Group video call · Standup". */
  private incoming(): string {
    const t = this.s;
    if (this.place) return format(this.video ? t.callIncomingGroupVideo : t.callIncomingGroupVoice, { group: this.place });
    return this.video ? t.callIncomingVideo : t.callIncomingVoice;
  }

  /** Calls the other member of a direct conversation, or a group's members: the microphone (and camera) first, then the ring. */
  async start(c: Conversation, video: boolean): Promise<void> {
    if (this.phase) return;
    const other = c.users.find((u) => u.id !== this.calls.me);
    this.name = c.kind === "group" ? this.host.titleOf(c) : (other?.displayName ?? "");
    this.place = "";
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
      this.fail(this.why(e));
    }
  }

  private async answer(video: boolean): Promise<void> {
    const id = this.call!.id;
    this.video = video;
    const stream = await this.media(video, true);
    if (!stream) return;
    try {
      // The call's update (joined) can come before the answer's ack: it is this device's answer, not another's.
      this.answering = id;
      this.connect(await this.calls.accept(id), stream);
    } catch (e) {
      for (const tr of stream.getTracks()) tr.stop();
      this.fail(this.why(e));
    }
  }

  /** The server's refusal in the visitor's words where it has a reason of its own. */
  private why(e: unknown): string {
    const t = this.s;
    if (!isChatError(e)) return t.callFailed;
    // A conflict says its reason ({ reason }); a refused field its issue ([{ path, message, issue }]).
    const d = e.details as { reason?: string } | { issue?: string; message?: string }[] | undefined;
    const reason = Array.isArray(d) ? d.find((p) => p.issue)?.issue : d?.reason;
    if (reason === "sfu_not_configured") return t.callGroupUnavailable;
    return reason === "call_full" ? t.callFull : (Array.isArray(d) && d[0]?.message) || e.message;
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
    // Answered: a group's call is named by the group, no longer by who rang.
    if (this.place) this.name = this.place;
    if (call.state === "ended") return this.close();
    const opened = (session: CallSession | GroupCallSession) => {
      this.session = session;
      this.muted = this.cameraOff = false;
      if (this.call?.state === "ended") return void session.hangUp();
      this.phase = call.state === "active" ? "live" : "calling";
      this.requestUpdate();
    };
    const failed = () => (stream.getTracks().forEach((tr) => tr.stop()), this.fail(this.s.callFailed));
    if (call.mode === "sfu")
      void GroupCallSession.open(this.calls, call, { stream }).then((session) => {
        session.on("track", () => this.requestUpdate());
        session.on("participants", () => this.requestUpdate());
        session.on("ended", () => this.close());
        opened(session);
      }, failed);
    else
      void CallSession.open(this.calls, call, { stream }).then((session) => {
        session.on("track", () => this.requestUpdate());
        session.on("ended", () => this.close());
        opened(session);
      }, failed);
  }

  /** A call this visitor is in or rung for changed, or ended (on any device of theirs). */
  changed(call: Call): void {
    if (call.id !== this.call?.id) return;
    this.call = call;
    // Ended (on either side, any device): the view closes; the session, if any, stops its own media.
    if (call.state === "ended") return this.close();
    if (call.state === "active" && this.phase === "calling" && this.session) this.phase = "live";
    // Answered on another device of this visitor's: it carries the call, this one stops ringing.
    if (
      this.phase === "ringing" &&
      this.answering !== call.id &&
      call.participants.some((p) => p.userId === this.calls.me && p.state === "joined") &&
      !this.calls.carries(call.id)
    )
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
    this.devices = null;
    this.place = this.answering = "";
    this.speaking.clear();
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
      // Escape stays here (it would close the panel): a call ends by its button only. It closes the devices menu.
      if (e.key === "Escape") {
        e.stopPropagation();
        if (this.devices) void this.toggleDevices();
      }
      if (e.key !== "Tab") return;
      // Focus stays in the dialog while it is open.
      const b = [...(this.shadowRoot?.querySelectorAll<HTMLElement>("button, select") ?? [])];
      const at = b.indexOf(this.shadowRoot?.activeElement as HTMLElement);
      const to = e.shiftKey ? (at <= 0 ? b.length - 1 : -1) : at === b.length - 1 ? 0 : -1;
      if (to >= 0) e.preventDefault(), b[to]?.focus();
    });
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("phase")) {
      clearInterval(this.ticker);
      if (this.phase === "live")
        this.ticker = setInterval(() => {
          if (this.session instanceof GroupCallSession)
            void speakers(this.session).then(
              (who) => (this.speaking = who),
              () => undefined,
            );
          this.requestUpdate();
        }, 500);
      // Answered, declined, cancelled, or ended elsewhere: the ring stops.
      if (this.phase !== "ringing") this.ring.stop(), this.note?.close(), (this.note = undefined);
      this.hidden = !this.phase;
      // Keyboard first: the dialog takes the focus (a ringing one only when the visitor is in the chat, not typing in the page).
      const into =
        this.phase && (this.phase !== "ringing" || document.activeElement === this.host || this.host.hasAttribute("open") || this.host.mode === "inline");
      if (into && changed.get("phase") !== undefined) this.shadowRoot?.querySelector<HTMLElement>(".controls button")?.focus();
    }
    this.toggleAttribute("group", this.group && this.phase !== "ringing" && this.phase !== "error");
    const root = this.shadowRoot;
    const session = this.session;
    if (!root || !session) return;
    const want = (v: HTMLVideoElement, s: MediaStream | undefined) => s && v.srcObject !== s && (v.srcObject = s);
    for (const v of root.querySelectorAll<HTMLVideoElement>("video[data-user]"))
      want(
        v,
        v.dataset["user"] === this.calls.me ? session.localStream : session instanceof GroupCallSession ? session.streams.get(v.dataset["user"]!) : undefined,
      );
    if (session instanceof CallSession) {
      for (const v of root.querySelectorAll<HTMLVideoElement>(".remote, .local")) want(v, v.matches(".local") ? session.localStream : session.remoteStream);
    }
    if (this.sinkId) void playTo(root.querySelectorAll("video"), this.sinkId);
  }

  override render() {
    if (!this.phase) return nothing;
    const t = this.s;
    const lang = (this.host as unknown as { language: { tag: string; dir: string } }).language;
    const ringing = this.phase === "ringing";
    const live = this.phase === "live";
    const since = this.call?.answeredAt ? Date.now() - Date.parse(this.call.answeredAt) : 0;
    const status = ringing
      ? this.incoming()
      : this.phase === "calling"
        ? this.call?.state === "active"
          ? t.callConnecting
          : format(t.callCalling, { name: this.name })
        : live
          ? `${Math.floor(since / 60000)}:${String(Math.floor(since / 1000) % 60).padStart(2, "0")}`
          : t.callEnded;
    const session = this.session;
    const remoteVideo = session instanceof CallSession && this.video && session.remoteStream.getVideoTracks().length > 0;
    const grid = this.group && !ringing && this.phase !== "error";
    const button = (part: string, label: string, ic: unknown, go: () => void, o: { cls?: string; pressed?: boolean; text?: boolean } = {}) =>
      html`<button part=${part} class=${o.cls ?? ""} aria-label=${o.text ? nothing : label} aria-pressed=${o.pressed === undefined ? nothing : o.pressed} @click=${go}>${ic}${o.text ? label : nothing}</button>`;
    return html`<div part="call" class="call" lang=${lang?.tag ?? nothing} dir=${lang?.dir ?? nothing} role=${ringing ? "alertdialog" : "dialog"} aria-modal="true" aria-labelledby="call-name" aria-describedby="call-status">
      ${
        grid
          ? html`<div class="stage">${this.grid()}</div>`
          : html`<div class="stage ${remoteVideo ? "video" : ""}">
        <video part="call-remote" class="remote ${remoteVideo ? "" : "gone"}" autoplay playsinline></video>
        ${remoteVideo ? nothing : html`<span part="call-avatar" class="avatar" aria-hidden="true">${initials(this.name)}</span>`}
        ${session && this.video && !this.cameraOff ? html`<video part="call-local" class="local" autoplay playsinline muted aria-label=${t.callYou}></video>` : nothing}
      </div>`
      }
      <div class="info">
        <h2 id="call-name" part="call-name">${ringing ? format(t.callRinging, { name: this.name }) : this.name}</h2>
        <p id="call-status" part="call-status" class="status" role=${live ? nothing : "status"}>${status}</p>
      </div>
      ${this.error ? html`<p part="call-error" class="error" role="alert">${this.error}</p>` : nothing}
      ${this.devices ? this.devicePicker() : nothing}
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
                ${session ? html`<button part="call-devices" aria-label=${t.callDevices} aria-expanded=${!!this.devices} @click=${() => void this.toggleDevices()}>${ICONS.devices}</button>` : nothing}
                ${button("call-hangup", t.callHangUp, ICONS.end, () => void this.hangUp(), { cls: "end" })}`
        }
      </div>
    </div>`;
  }

  /** A group call's tiles: the visitor first, then everyone in the call now (whoever left is gone). */
  private grid() {
    const t = this.s;
    const me = this.calls.me ?? "";
    const session = this.session instanceof GroupCallSession ? this.session : null;
    const others = (this.call?.participants ?? []).filter((p) => p.state === "joined" && p.userId !== me).map((p) => p.userId);
    const all = [me, ...others];
    return html`<ul part="call-grid" class="grid" data-n=${bucket(all.length)}>
      ${all.map((id) => {
        const self = id === me;
        const stream = self ? session?.localStream : session?.streams.get(id);
        const video = this.video && !!stream?.getVideoTracks().length && !(self && this.cameraOff);
        const name = self ? this.host.t.you : this.nameOf(id);
        return html`<li part="call-tile" class="tile" data-speaking=${this.speaking.has(id) ? "" : nothing}>
          <video part="call-tile-video" class=${video ? "" : "gone"} data-user=${id} autoplay playsinline .muted=${self}></video>
          ${video ? nothing : html`<span part="call-avatar" class="avatar" aria-hidden="true">${initials(self ? (this.host.chat?.user?.displayName ?? name) : name)}</span>`}
          <span part="call-tile-name" class="name">${name}${self && this.muted ? html`<span part="call-tile-muted" role="img" aria-label=${t.callMicOff}>${ICONS.micOff}</span>` : nothing}</span>
        </li>`;
      })}
    </ul>`;
  }

  /** The microphone, camera and (where the browser can) speaker to use; a change switches the live track. */
  private devicePicker() {
    const t = this.s;
    const lists = this.devices!;
    const local = this.session?.localStream;
    const pick = (kind: keyof DeviceLists, label: string, current: string) => html`<label class="pick"><span>${label}</span>
      <select part=${{ audioinput: "call-pick-microphone", videoinput: "call-pick-camera", audiooutput: "call-pick-speaker" }[kind]} @change=${(e: Event) => void this.choose(kind, (e.target as HTMLSelectElement).value)}>
        ${lists[kind].map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === current}>${d.label || `${label} ${i + 1}`}</option>`)}
      </select></label>`;
    return html`<div part="call-device-list" class="devices" role="group" aria-label=${t.callDevices}>
      ${pick("audioinput", t.callMicrophone, deviceOf(local, "audio"))}
      ${this.video ? pick("videoinput", t.callCamera, deviceOf(local, "video")) : nothing}
      ${canPickSpeaker() && lists.audiooutput.length ? pick("audiooutput", t.callSpeaker, this.sinkId || "default") : nothing}
    </div>`;
  }

  private async toggleDevices(): Promise<void> {
    const open = !this.devices;
    this.devices = open ? await listDevices() : null;
    this.requestUpdate();
    await this.updateComplete;
    this.shadowRoot?.querySelector<HTMLElement>(open ? ".devices select" : "[part=call-devices]")?.focus();
  }

  private async choose(kind: keyof DeviceLists, id: string): Promise<void> {
    if (kind === "audiooutput") {
      this.sinkId = id;
      return void (await playTo(this.shadowRoot?.querySelectorAll("video") ?? [], id));
    }
    await this.session?.switchDevice(kind === "audioinput" ? "audio" : "video", id).catch(() => (this.error = this.s.callNoDevice));
    this.requestUpdate();
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
    // A direct conversation or a group (a group call goes through the server's SFU; a server without one says so when pressed).
    if (!c || host.draft) return nothing;
    const go = (video: boolean) => (sync(), void view.start(c, video));
    return headerButtons(s, !!view.phase, go);
  };
  host.requestUpdate();
  // A call that was ringing when the page loaded rings here too (opened by its push's click: in its conversation).
  void openLinkedCall(host)
    .catch(() => undefined)
    .then(() => view.calls.live())
    .catch(() => undefined);
  // The header's buttons are disabled while a call is shown.
  new MutationObserver(() => host.requestUpdate()).observe(view, { attributes: true, attributeFilter: ["hidden"] });
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-call": ParleyCall;
  }
}
