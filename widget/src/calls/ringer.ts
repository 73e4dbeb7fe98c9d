/**
 * The ring of a call that rings here (issue 53): a tone synthesized with WebAudio (no sound file to
 * fetch) and, while the tab is hidden, the page's title saying who calls. `stop()` on answer,
 * decline, cancel or any end: the tone's context is closed and the title is the page's again.
 */
export class Ringer {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private text = "";
  private saved = "";
  /** What the title says now (set by us), or "". */
  private shownText = "";
  private readonly shown = (): void => this.title();

  /** Rings until `stop()`; `text` is what the title says while the tab is hidden ("Ann Lee is calling"). */
  start(text: string): void {
    this.stop();
    this.text = text;
    document.addEventListener("visibilitychange", this.shown);
    this.title();
    try {
      this.ctx = new AudioContext();
      this.burst();
      // A ring every three seconds, as a phone does: two short double notes, then quiet.
      this.timer = setInterval(() => this.burst(), 3000);
    } catch {
      // No WebAudio (or too many contexts): the ring is the dialog, the title and the notification.
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
    document.removeEventListener("visibilitychange", this.shown);
    this.text = "";
    this.title();
  }

  /** The title says the ring while the tab is hidden; shown again (or stopped), the page's own. */
  private title(): void {
    const ring = document.hidden ? this.text : "";
    if (ring && !this.shownText) {
      this.saved = document.title;
      this.shownText = document.title = ring;
    } else if (!ring && this.shownText) {
      // Only our part goes: the hidden-tab message count may have been put before it meanwhile.
      document.title = document.title.replace(this.shownText, this.saved);
      this.shownText = "";
    }
  }

  /** Two pulses of the two-tone ring (440 and 480 Hz together), soft in and out. */
  private burst(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    for (const t of [ctx.currentTime, ctx.currentTime + 0.5])
      for (const hz of [440, 480]) {
        const note = ctx.createOscillator();
        const gain = ctx.createGain();
        note.frequency.value = hz;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.05, t + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.4);
        note.connect(gain).connect(ctx.destination);
        note.start(t);
        note.stop(t + 0.42);
      }
  }
}
