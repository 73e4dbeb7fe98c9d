import type { MessageHost } from "./message-host.js";

/**
 * The "More" (⋯) menu of a message's toolbar: which message's is open, and how it behaves (a menu
 * button, as WAI-ARIA's pattern has it). message-extras.ts draws it, inside the message's row, so
 * it scrolls with the message and hovering it keeps the message active; this module opens and
 * closes it, places it and moves the focus in it. One menu is open at a time.
 *
 * Opening (a press, Enter or Space on ⋯) focuses the first item; ↑ ↓ Home End move (round);
 * Enter or Space runs an item; Escape closes and gives the focus back to ⋯; Tab closes and goes
 * on from ⋯; a press outside, or the focus moved out of the toolbar, closes.
 */

let open: { host: MessageHost; id: string } | undefined;
/** The message whose toolbar was last drawn. */
let shown = "";

/**
 * A toolbar newly shown is scrolled into the list's view: the newest message's would be drawn
 * under the list's bottom edge, where a mouse or a finger never sees it. Only while its message
 * is still in view: a hover can land after the reader has scrolled away (the browser's hover after
 * a scroll, on a busy machine: the long-thread suite's reader scrolled to the top and was taken
 * 2,153 px back down to the message that had been under the mouse), and must not pull the list back.
 */
export function reveal(host: MessageHost, id: string): void {
  if (shown === id) return;
  shown = id;
  void host.updateComplete.then(() => {
    const li = host.shadowRoot?.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`);
    const list = li?.offsetParent;
    if (!li || !list) return;
    const row = li.getBoundingClientRect();
    const view = list.getBoundingClientRect();
    if (row.bottom <= view.top || row.top >= view.bottom) return;
    li.querySelector("[part=actions]")?.scrollIntoView({ block: "nearest" });
  });
}

/** Whether `id`'s menu is open in `host`. A menu left open on a message no longer active is forgotten. */
export function isOpen(host: MessageHost, id: string): boolean {
  if (open?.host === host && open.id !== host.active) forget();
  return open?.host === host && open.id === id;
}

function forget(): void {
  open?.host.shadowRoot?.removeEventListener("pointerover", hold, true);
  open = undefined;
  document.removeEventListener("pointerdown", outside, true);
}

/** While the menu is open, a mouse over another message (or moved under it by a scroll) does not take the toolbar there. */
const hold = (e: Event): void => e.stopPropagation();

/** The ⋯ button of the open menu. */
const more = (): HTMLElement | null | undefined =>
  open?.host.shadowRoot?.querySelector<HTMLElement>(`li[data-id="${CSS.escape(open.id)}"] [aria-haspopup=menu]`);

/** Closes the open menu; `refocus`: the focus goes back to its ⋯ button. */
export function close(refocus: boolean): void {
  if (!open) return;
  const button = more();
  open.host.requestUpdate();
  forget();
  if (refocus) button?.focus();
}

const outside = (e: Event): void => {
  const button = more();
  const path = e.composedPath();
  if (!button || !(path.includes(button) || path.includes(button.parentElement!.querySelector("[role=menu]")!))) close(false);
};

/** ⋯ pressed: opens `id`'s menu (closes it if open), then places it and focuses its first item. */
export async function toggle(host: MessageHost, id: string, button: HTMLElement): Promise<void> {
  if (isOpen(host, id)) return close(true);
  close(false);
  open = { host, id };
  document.addEventListener("pointerdown", outside, true);
  host.shadowRoot?.addEventListener("pointerover", hold, true);
  host.requestUpdate();
  await host.updateComplete;
  const menu = button.parentElement?.querySelector<HTMLElement>("[role=menu]");
  if (!menu) return;
  place(menu, button.parentElement!);
  menu.querySelector<HTMLElement>("[role=menuitem]")?.focus();
}

/**
 * Under the toolbar, its end under ⋯; above it when the list has not the room below (and has
 * more above); from the toolbar's start when its end would leave the list. Then scrolled into
 * view, should the list be shorter than the menu.
 */
function place(menu: HTMLElement, bar: HTMLElement): void {
  const box = (menu.closest("ol") ?? bar).getBoundingClientRect();
  const at = bar.getBoundingClientRect();
  let r = menu.getBoundingClientRect();
  if (r.bottom > box.bottom && at.top - box.top > box.bottom - at.bottom) menu.classList.add("above");
  if (r.left < box.left || r.right > box.right) {
    menu.classList.add("at-start");
    r = menu.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) menu.classList.remove("at-start");
  }
  menu.scrollIntoView({ block: "nearest", inline: "nearest" });
}

/** Focus gone elsewhere than the toolbar (a press outside closes it already; Safari focuses no button it presses). */
export function blur(e: FocusEvent): void {
  const to = e.relatedTarget as Node | null;
  if (to && !(e.currentTarget as HTMLElement).parentElement!.contains(to)) close(false);
}

/** The menu's keys (bound on it). */
export function key(e: KeyboardEvent): void {
  const items = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>("[role=menuitem]")];
  const i = items.indexOf(e.target as HTMLElement);
  const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
  if (to !== undefined) {
    e.preventDefault();
    items[(to + items.length) % items.length]?.focus();
  } else if (e.key === "Escape") {
    // Not the list's Escape (back to the message) nor the panel's.
    e.preventDefault();
    e.stopPropagation();
    close(true);
  } else if (e.key === "Tab") close(true);
}
