// Makes `<parley-chat>` known to Svelte templates (svelte-check):
//
//   import type {} from "@parley/widget/svelte";         // once, e.g. in src/app.d.ts
//   <parley-chat server="https://chat.example" app-id="app_…" onparley-unread={(e) => (count = e.detail)} />
import type { HTMLAttributes } from "svelte/elements";
import type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap, ParleyChatEventProps } from "./parley-chat.js";

export type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap, ParleyChatEventProps } from "./parley-chat.js";

/** Svelte 4's `on:parley-unread={…}` listeners. */
export type ParleyChatSvelteEventDirectives = {
  [K in keyof ParleyChatEventMap as `on:${K}`]?: (event: ParleyChatEventMap[K]) => void;
};

/** The attributes of `<parley-chat>` in Svelte. */
export type ParleyChatSvelteProps = Omit<HTMLAttributes<ParleyChat>, keyof ParleyChatAttributes> &
  ParleyChatAttributes &
  ParleyChatEventProps &
  ParleyChatSvelteEventDirectives;

declare module "svelte/elements" {
  interface SvelteHTMLElements {
    "parley-chat": ParleyChatSvelteProps;
  }
}
