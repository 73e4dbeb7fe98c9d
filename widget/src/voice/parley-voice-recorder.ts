import { LitElement, html, nothing } from "lit";
import type { ChatClient } from "@parley/sdk";
import { sendVoice, VOICE_PEAKS, voiceSettings } from "@parley/sdk/rich";
import { format, type Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import type { ComposerHost } from "../shared/composer-host.js";
import { clock } from "./clock.js";
import { voiceType } from "./voice-types.js";
import { recorderStyles } from "./voice.styles.js";
import { VOICE_EN, type VoiceStrings } from "./voice.strings.js";
import { VOICE_RECORDER_EN, type VoiceRecorderStrings } from "./parley-voice-recorder.strings.js";

/** The server's default when its settings cannot be read (VOICE_MAX_SECONDS): it refuses longer ones anyway. */
const FALLBACK_MAX_MS = 300_000;

type Phase = "asking" | "recording" | "review" | "error";

/** The waveform: VOICE_PEAKS peaks 0–255 of the recording's loudest sample in each slice, scaled to its loudest slice. */
export function peaksOf(samples: Float32Array, n = VOICE_PEAKS): number[] {
  const out: number[] = [];
  const size = samples.length / n;
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let j = Math.floor(i * size); j < Math.floor((i + 1) * size); j++) max = Math.max(max, Math.abs(samples[j]!));
    out.push(max);
  }
  const top = Math.max(...out);
  return out.map((v) => (top > 0 ? Math.round((v / top) * 255) : 0));
}

/**
 * The voice recorder over the composer (the "+" menu's "Voice message", issue 33): picking it
 * starts. It asks for the microphone, records Opus with MediaRecorder while a meter shows the
 * level and a clock the time (up to the app's longest, where it stops by itself and says so);
 * Stop leads to the review (listen, Send or Discard). Cancel, Discard or Escape end it at any time
 * and the focus goes back to the "+" button. A blocked or missing microphone, or a browser that
 * cannot record Opus, is said in the recorder. The waveform is computed from the recording
 * (decodeAudioData), or from the meter's readings if the browser cannot decode it.
 *
 * @csspart voice-recorder - the dialog
 * @csspart voice-level - the microphone level meter
 * @csspart voice-stop - stops recording
 * @csspart voice-send - sends the recording
 * @csspart voice-discard - discards it (Cancel while recording)
 */
export class ParleyVoiceRecorder extends LitElement {
  static override properties = { phase: { state: true }, elapsed: { state: true }, level: { state: true }, message: { state: true }, url: { state: true } };
  static override styles = [base, recorderStyles];
  t: Strings & Partial<VoiceStrings & VoiceRecorderStrings> = { ...VOICE_EN, ...VOICE_RECORDER_EN } as Strings & VoiceStrings & VoiceRecorderStrings;
  host_!: ComposerHost;
  opener: HTMLElement | null = null;
  phase: Phase = "asking";
  elapsed = 0;
  level = 0;
  /** An error, or the notice that it stopped at the longest allowed. */
  message = "";
  url = "";
  private maxMs = FALLBACK_MAX_MS;
  private stream: MediaStream | undefined;
  private recorder: MediaRecorder | undefined;
  private ctx: AudioContext | undefined;
  private frame = 0;
  private started = 0;
  private blob: Blob | undefined;
  private type = "";
  /** The meter's readings, for a waveform when the recording cannot be decoded. */
  private readings: number[] = [];
  private closed = false;

  private get s(): VoiceStrings & VoiceRecorderStrings & Strings {
    return { ...VOICE_EN, ...VOICE_RECORDER_EN, ...this.t } as VoiceStrings & VoiceRecorderStrings & Strings;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.release();
    if (this.url) URL.revokeObjectURL(this.url);
  }

  override updated(): void {
    // The focus follows the step: Cancel while asking, Stop while recording, Send to review, Close after an error.
    const want = this.renderRoot.querySelector<HTMLElement>("[data-focus]");
    if (want && !this.renderRoot.contains(this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null)) want.focus();
  }

  private fail(message: string): void {
    this.release();
    this.phase = "error";
    this.message = message;
  }

  private client(): Promise<ChatClient> {
    return new Promise((resolve) => this.host_.emit("parley-client", resolve));
  }

  private async start(): Promise<void> {
    const s = this.s;
    this.type = voiceType();
    if (!this.type) return this.fail(s.voiceUnsupported);
    const settings = this.client()
      .then((c) => voiceSettings(c))
      .then(
        (v) => (this.maxMs = v.maxDurationMs),
        () => undefined,
      );
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (e) {
      const name = (e as DOMException)?.name;
      return this.fail(
        name === "NotAllowedError" || name === "SecurityError"
          ? s.voiceDenied
          : name === "NotFoundError" || name === "OverconstrainedError"
            ? s.voiceNoMic
            : s.voiceFailed,
      );
    }
    await settings;
    if (this.closed) return void stream.getTracks().forEach((tr) => tr.stop());
    this.stream = stream;
    const chunks: Blob[] = [];
    const rec = new MediaRecorder(stream, { mimeType: this.type, audioBitsPerSecond: 32_000 });
    this.recorder = rec;
    rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    rec.onerror = () => this.fail(s.voiceFailed);
    rec.onstop = () => void this.review(new Blob(chunks, { type: this.type.split(";")[0] }));
    this.meter(stream);
    rec.start(250);
    this.started = performance.now();
    this.phase = "recording";
  }

  /** The level meter and the clock, each frame: an AnalyserNode's loudest sample. */
  private meter(stream: MediaStream): void {
    try {
      this.ctx = new AudioContext();
      const analyser = this.ctx.createAnalyser();
      analyser.fftSize = 1024;
      this.ctx.createMediaStreamSource(stream).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      const tick = (): void => {
        analyser.getFloatTimeDomainData(buf);
        let max = 0;
        for (const v of buf) max = Math.max(max, Math.abs(v));
        this.level = Math.min(1, max);
        this.readings.push(max);
        this.clockTick();
        if (this.phase === "recording" || this.phase === "asking") this.frame = requestAnimationFrame(tick);
      };
      this.frame = requestAnimationFrame(tick);
    } catch {
      // No Web Audio: the clock alone.
      const tick = (): void => {
        this.clockTick();
        if (this.phase === "recording" || this.phase === "asking") this.frame = requestAnimationFrame(tick);
      };
      this.frame = requestAnimationFrame(tick);
    }
  }

  private clockTick(): void {
    if (this.phase !== "recording") return;
    this.elapsed = performance.now() - this.started;
    if (this.elapsed >= this.maxMs) {
      this.message = format(this.s.voiceMaxReached, { time: clock(this.maxMs / 1000) });
      this.stop();
    }
  }

  private stop(): void {
    if (this.recorder?.state === "recording") this.recorder.stop();
  }

  private async review(blob: Blob): Promise<void> {
    this.release();
    if (this.closed || this.phase === "error") return;
    this.blob = blob;
    this.url = URL.createObjectURL(blob);
    this.phase = "review";
  }

  /** Stops the microphone, the meter and the audio graph (not the recording's result). */
  private release(): void {
    cancelAnimationFrame(this.frame);
    if (this.recorder?.state === "recording") {
      this.recorder.onstop = null;
      this.recorder.stop();
    }
    for (const tr of this.stream?.getTracks() ?? []) tr.stop();
    this.stream = undefined;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
  }

  private async peaks(blob: Blob): Promise<number[]> {
    try {
      const ctx = new OfflineAudioContext(1, 1, 48_000);
      const audio = await ctx.decodeAudioData(await blob.arrayBuffer());
      return peaksOf(audio.getChannelData(0));
    } catch {
      return peaksOf(Float32Array.from(this.readings));
    }
  }

  private async send(): Promise<void> {
    const blob = this.blob;
    const c = this.host_.conversation;
    if (!blob || !c) return;
    const peaks = await this.peaks(blob);
    const replyTo = this.host_.replyTo?.id;
    this.host_.emit("parley-act", {
      run: (client: ChatClient) => sendVoice(client, c.id, blob, { peaks, mime: blob.type }, replyTo ? { replyTo } : {}),
      done: this.s.voiceSent,
    });
    this.host_.jumpToLatest();
    this.close();
  }

  /** Ends the recorder (whatever it was doing); `refocus`: the focus goes back to what opened it. */
  close(refocus = true): void {
    this.closed = true;
    this.release();
    this.remove();
    if (refocus) this.opener?.focus();
  }

  private onKey = (e: KeyboardEvent): void => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    this.close();
  };

  override render() {
    const s = this.s;
    const body =
      this.phase === "asking"
        ? html`<p role="status">${s.voiceAsking}</p>
            <div class="end"><button type="button" part="voice-discard" data-focus @click=${() => this.close()}>${s.cancel}</button></div>`
        : this.phase === "recording"
          ? html`<p class="clock"><span class="rec" aria-hidden="true"></span><span class="sr-only">${s.voiceRecording}</span><strong role="timer">${clock(this.elapsed / 1000)}</strong>
                <span class="muted">${format(s.voiceUpTo, { time: clock(this.maxMs / 1000) })}</span></p>
              <meter part="voice-level" min="0" max="1" .value=${this.level} aria-label=${s.voiceLevel}></meter>
              <div class="end">
                <button type="button" part="voice-discard" @click=${() => this.close()}>${s.cancel}</button>
                <button type="button" part="voice-stop" class="primary" data-focus @click=${() => this.stop()}>${s.voiceStop}</button>
              </div>`
          : this.phase === "review"
            ? html`${this.message ? html`<p role="status">${this.message}</p>` : nothing}
                <p class="muted">${s.voiceReview} (${clock(this.elapsed / 1000)})</p>
                <audio controls src=${this.url} aria-label=${s.voiceReview}></audio>
                <div class="end">
                  <button type="button" part="voice-discard" @click=${() => this.close()}>${s.voiceDiscard}</button>
                  <button type="button" part="voice-send" class="primary" data-focus @click=${() => void this.send()}>${s.send}</button>
                </div>`
            : html`<p class="error" role="alert">${this.message}</p>
                <div class="end"><button type="button" part="voice-discard" data-focus @click=${() => this.close()}>${s.voiceClose}</button></div>`;
    return html`<div part="voice-recorder" role="dialog" aria-modal="true" aria-labelledby="h" @keydown=${this.onKey}>
      <h2 id="h">${s.voiceRecorder}</h2>
      ${body}
    </div>`;
  }
}

customElements.get("parley-voice-recorder") || customElements.define("parley-voice-recorder", ParleyVoiceRecorder);

/** Opens the recorder over the composer and starts recording; `anchor` (the "+" button) gets the focus back. */
export function open(host: ComposerHost, anchor: HTMLElement): void {
  const root = host.shadowRoot!;
  root.querySelector("parley-voice-recorder")?.close(false);
  const r = Object.assign(document.createElement("parley-voice-recorder"), { t: host.t, host_: host, opener: anchor });
  const box = host.getBoundingClientRect();
  const form = root.querySelector("form")?.getBoundingClientRect();
  const below = form ? box.bottom - form.top : 8;
  r.style.insetBlockEnd = `${below + 4}px`;
  r.style.setProperty("--_room", `${box.height - below - 16}px`);
  root.append(r);
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-voice-recorder": ParleyVoiceRecorder;
  }
}
