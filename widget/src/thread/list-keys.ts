/** What the message list's keyboard and pointer handling needs from the conversation view. */
export interface ListKeysHost extends HTMLElement {
  /** The message whose actions are shown. */
  active: string;
  /** The message that holds the list's one tab stop (roving tabindex). */
  focusId: string;
  readonly updateComplete: Promise<boolean>;
  /** Fetches the chunk that draws a message's actions. */
  extras(): Promise<unknown>;
}

/** The row of the message an event happened in. */
const rowOf = (e: Event): HTMLElement | null => (e.target as Element).closest?.<HTMLElement>("li[data-id]") ?? null;

/**
 * The message list is one tab stop (a roving tabindex): arrow keys, Home and End move between
 * messages; Enter or Space opens a message's actions and focuses the first; Escape inside them
 * goes back to the message.
 */
export class ListKeys {
  constructor(private readonly host: ListKeysHost) {}

  /**
   * A mouse over a message, or a click or tap on it, shows its actions. Not a finger's "over": the
   * actions would be drawn between it and its click, which would then land on one of them.
   */
  over = (e: Event): void => {
    const li = rowOf(e);
    if (li && li.dataset["id"] !== this.host.active) this.host.active = li.dataset["id"]!;
  };

  /** Focus moves the tab stop; the actions open on hover, tap or Enter (so Tab skips them otherwise). */
  focusIn = (e: FocusEvent): void => {
    const li = rowOf(e);
    if (li) this.host.focusId = li.dataset["id"]!;
  };

  key = (e: KeyboardEvent): void => {
    const h = this.host;
    const li = rowOf(e);
    if (!li) return;
    const onMessage = e.target === li;
    if (e.key === "Escape" && !onMessage) {
      e.stopPropagation();
      li.focus();
      return;
    }
    if (!onMessage) return;
    const items = [...h.shadowRoot!.querySelectorAll<HTMLElement>("li[data-id]")];
    const i = items.indexOf(li);
    let to: HTMLElement | undefined;
    if (e.key === "ArrowDown") to = items[i + 1];
    else if (e.key === "ArrowUp") to = items[i - 1];
    else if (e.key === "Home") to = items[0];
    else if (e.key === "End") to = items[items.length - 1];
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      h.active = li.dataset["id"]!;
      void h
        .extras()
        .then(() => h.updateComplete)
        .then(() => li.querySelector<HTMLElement>("[part=show-blocked],[part=actions] button")?.focus())
        .catch(() => undefined);
      return;
    } else return;
    e.preventDefault();
    if (to) {
      h.focusId = to.dataset["id"]!;
      to.focus();
      to.scrollIntoView({ block: "nearest" });
    }
  };
}
