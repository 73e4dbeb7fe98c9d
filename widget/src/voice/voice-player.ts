import { html, svg } from "lit";
import type { Attachment, MessageItem } from "@parley/sdk";
import { format, type Strings } from "../i18n/i18n.js";
import type { MessageHost } from "../message/message-host.js";
import { clock } from "./clock.js";
import { playerSheet as sheet } from "./voice.styles.js";
import { VOICE_EN, type VoiceStrings } from "./voice.strings.js";

export { sheet };

/**
 * A voice message's player in its message's bubble (issue 33): play/pause, the waveform (the
 * peaks computed when it was recorded) as a slider — drag or click it, or use the arrow keys
 * (5 s), Page Up/Down (15 s), Home and End; its value is spoken as "0:12 of 0:40" — the elapsed
 * and total time as text, and the speed (1×, 1.5×, 2×). The part already played is drawn solid
 * and the rest hollow, with a line where it is, so it shows without colour. One voice message
 * plays at a time: starting one pauses the other. The audio is fetched with the bearer token
 * (`host.attachmentUrl`) the first time it is played.
 *
 * @csspart voice - the player (a group named "Voice message, 0:40")
 * @csspart voice-play - the play/pause button
 * @csspart voice-wave - the waveform (role=slider)
 * @csspart voice-time - elapsed and total time
 * @csspart voice-speed - the speed button
 */

const SPEEDS = [1, 1.5, 2];
const STEP = 5;
const PAGE = 15;

interface Track {
  audio: HTMLAudioElement;
  /** Where it is (s): the audio's time while it has one, else where the visitor put it. */
  at: number;
  rate: number;
  playing: boolean;
  loading?: Promise<void>;
  /** Between the press and playback: the early play() below pauses again as its source arrives, which is not the visitor's pause. */
  starting?: boolean;
}

const tracks = new Map<string, Track>();
/** The views that drew a player, drawn again as it plays. */
const hosts = new Set<MessageHost>();
let current: Track | undefined;

function redraw(): void {
  for (const h of hosts) h.isConnected ? h.requestUpdate() : hosts.delete(h);
}

function track(a: Attachment): Track {
  let tr = tracks.get(a.id);
  if (!tr) {
    const audio = new Audio();
    audio.preload = "none";
    tr = { audio, at: 0, rate: 1, playing: false };
    const t = tr;
    audio.addEventListener("timeupdate", () => {
      if (t.playing) (t.at = audio.currentTime), redraw();
    });
    audio.addEventListener("ended", () => {
      t.playing = false;
      t.at = 0;
      redraw();
    });
    audio.addEventListener("pause", () => {
      if (t.playing && !t.starting && !audio.ended) (t.playing = false), redraw();
    });
    tracks.set(a.id, tr);
  }
  return tr;
}

const total = (a: Attachment): number => (a.voice?.durationMs ?? 0) / 1000;

async function load(host: MessageHost, a: Attachment, tr: Track): Promise<void> {
  tr.loading ??= host.attachmentUrl(a).then((url) => {
    tr.audio.src = url;
  });
  return tr.loading;
}

async function toggle(host: MessageHost, a: Attachment): Promise<void> {
  const tr = track(a);
  if (tr.playing) {
    tr.playing = false;
    tr.audio.pause();
    return redraw();
  }
  if (current && current !== tr && current.playing) {
    current.playing = false;
    current.audio.pause();
  }
  current = tr;
  tr.playing = true;
  redraw();
  // Safari and WebKit let an element play only from a press, and the fetch below outlasts it: a
  // play() now, before any wait, allows this element's later ones (its own outcome does not matter).
  tr.starting = true;
  if (!tr.audio.src) tr.audio.play().catch(() => undefined);
  try {
    await load(host, a, tr);
    if (!tr.playing) return; // paused (or another played) while it loaded
    tr.audio.playbackRate = tr.rate;
    if (Math.abs(tr.audio.currentTime - tr.at) > 0.25) tr.audio.currentTime = tr.at;
    await tr.audio.play();
  } catch {
    tr.playing = false;
    tr.loading = undefined;
    host.emit("parley-notice", host.t.loadFailed);
    redraw();
  } finally {
    tr.starting = false;
  }
}

function seek(a: Attachment, to: number): void {
  const tr = track(a);
  tr.at = Math.min(total(a), Math.max(0, to));
  if (tr.audio.src) tr.audio.currentTime = tr.at;
  redraw();
}

function speed(a: Attachment): void {
  const tr = track(a);
  tr.rate = SPEEDS[(SPEEDS.indexOf(tr.rate) + 1) % SPEEDS.length]!;
  tr.audio.playbackRate = tr.rate;
  redraw();
}

const rtl = (el: Element): boolean => getComputedStyle(el).direction === "rtl";

function onKey(e: KeyboardEvent, a: Attachment): void {
  const tr = track(a);
  const back = rtl(e.currentTarget as Element) ? "ArrowRight" : "ArrowLeft";
  const by: Record<string, number> = { ArrowUp: STEP, ArrowDown: -STEP, PageUp: PAGE, PageDown: -PAGE, ArrowLeft: STEP, ArrowRight: STEP };
  by[back] = -STEP;
  if (e.key === "Home") seek(a, 0);
  else if (e.key === "End") seek(a, total(a));
  else if (e.key in by) seek(a, tr.at + by[e.key]!);
  else return;
  e.preventDefault();
}

/** Click or drag along the waveform: that point of the recording (from the inline start). */
function onPointer(e: PointerEvent, a: Attachment): void {
  const el = e.currentTarget as HTMLElement;
  const to = (ev: PointerEvent): void => {
    const r = el.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
    seek(a, (rtl(el) ? 1 - f : f) * total(a));
  };
  el.setPointerCapture?.(e.pointerId);
  to(e);
  const move = (ev: PointerEvent): void => to(ev);
  const up = (): void => {
    el.removeEventListener("pointermove", move);
    el.removeEventListener("pointerup", up);
    el.removeEventListener("pointercancel", up);
  };
  el.addEventListener("pointermove", move);
  el.addEventListener("pointerup", up);
  el.addEventListener("pointercancel", up);
}

const BAR = 3;
const H = 32;

function wave(peaks: number[], played: number) {
  const n = peaks.length;
  const bars = peaks.map((p, i) => {
    const h = Math.max(2, (p / 255) * (H - 2));
    const on = (i + 0.5) / n <= played;
    return svg`<rect class=${on ? "on" : "off"} x=${i * BAR + 0.4} y=${(H - h) / 2} width=${BAR - 1.2} height=${h} rx="0.6" />`;
  });
  const x = played * n * BAR;
  return svg`<svg viewBox="0 0 ${n * BAR} ${H}" preserveAspectRatio="none" aria-hidden="true" focusable="false">${bars}<line class="head" x1=${x} x2=${x} y1="0" y2=${H} /></svg>`;
}

const PLAY = svg`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M8 5.5v13l10.5-6.5z" /></svg>`;
const PAUSE = svg`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M7 5h3.5v14H7zM13.5 5H17v14h-3.5z" /></svg>`;

function player(host: MessageHost, t: VoiceStrings, a: Attachment): unknown {
  const tr = track(a);
  const len = total(a);
  const at = Math.min(len, tr.at);
  const played = len > 0 ? at / len : 0;
  const rate = `${tr.rate}×`;
  return html`<div part="voice" class="voice" role="group" aria-label=${format(t.voiceMessage, { time: clock(len) })} data-voice=${a.id}>
    <button part="voice-play" type="button" class="vp-play" aria-label=${tr.playing ? t.voicePause : t.voicePlay} @click=${() => void toggle(host, a)}>
      ${tr.playing ? PAUSE : PLAY}
    </button>
    <div part="voice-wave" class="vp-wave" role="slider" tabindex="0" aria-label=${t.voicePosition} aria-valuemin="0" aria-valuemax=${Math.round(len)}
      aria-valuenow=${Math.round(at)} aria-valuetext=${format(t.voiceTimeOf, { elapsed: clock(at), total: clock(len) })}
      @keydown=${(e: KeyboardEvent) => onKey(e, a)} @pointerdown=${(e: PointerEvent) => onPointer(e, a)}>${wave(a.voice?.peaks ?? [], played)}</div>
    <span part="voice-time" class="vp-time" aria-hidden="true">${clock(at)} / ${clock(len)}</span>
    <button part="voice-speed" type="button" class="vp-speed" aria-label=${format(t.voiceSpeed, { rate })} @click=${() => speed(a)}>${rate}</button>
  </div>`;
}

/** The message's voice messages (its attachments with `voice`), each a player. */
export function card(host: MessageHost, m: MessageItem): unknown {
  hosts.add(host);
  const t = { ...VOICE_EN, ...host.t } as VoiceStrings & Strings;
  return m.attachments.filter((a) => a.voice).map((a) => player(host, t, a));
}
