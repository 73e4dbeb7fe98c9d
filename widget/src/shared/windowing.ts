/**
 * Windowing for long lists (the message list, the conversation list): at most `size` items are
 * in the DOM, from index `first`. Scrolling near either end of the scroller slides the window by
 * `step`, and the item under the reader's eyes stays where it was: an anchor (the first item in
 * view, and its distance from the scroller's top) is captured before a render and restored after.
 * Items are found by `[data-id]`; the scroller must be their offsetParent (position: relative).
 */
export interface ListWindow {
  size: number;
  step: number;
}

export interface Anchor {
  id: string;
  offset: number;
}

/** How close (px) to an end of the scroller counts as "at" it. */
export const EDGE = 200;

/** `first` kept inside [0, count - size]. */
export const clampFirst = (w: ListWindow, first: number, count: number): number => Math.max(0, Math.min(first, count - w.size));

/** True when the window ends at the last item. */
export const atWindowEnd = (w: ListWindow, first: number, count: number): boolean => first + w.size >= count;

/** The window's start that shows item `i`: unchanged if it already does, else with `before` items above it. */
export function firstShowing(w: ListWindow, first: number, count: number, i: number, before = w.step): number {
  return i >= first && i < first + w.size ? first : clampFirst(w, i - before, count);
}

/**
 * After a scroll: the window's new start, slid by `step` toward the end the scroller is near
 * (unchanged when it is near neither, or the window already reaches that end).
 */
export function slide(w: ListWindow, el: HTMLElement, first: number, count: number): number {
  if (el.scrollTop < EDGE) return Math.max(0, first - w.step);
  if (!atWindowEnd(w, first, count) && el.scrollHeight - el.scrollTop - el.clientHeight < EDGE) return clampFirst(w, first + w.step, count);
  return first;
}

/** The first item in view and its distance from the top of the scroller. */
export function captureAnchor(el: HTMLElement | null | undefined): Anchor | null {
  if (!el) return null;
  for (const item of el.querySelectorAll<HTMLElement>("[data-id]")) {
    if (item.offsetTop + item.offsetHeight > el.scrollTop) return { id: item.dataset["id"]!, offset: item.offsetTop - el.scrollTop };
  }
  return null;
}

/** Scrolls so that the anchor's item is where it was (if it is still drawn). */
export function restoreAnchor(el: HTMLElement, a: Anchor | null): void {
  const item = a && el.querySelector<HTMLElement>(`[data-id="${CSS.escape(a.id)}"]`);
  if (item) el.scrollTop = item.offsetTop - a.offset;
}
