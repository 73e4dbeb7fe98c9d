// `<parley-chat>` as templates see it: its attributes and its events, shared by the framework
// typings beside this file (react.d.ts, preact.d.ts, vue.d.ts, svelte.d.ts).
import type { Message } from "@parley/sdk";
import type { ParleyChat } from "../dist/chat/parley-chat.js";

export type { ParleyChat };

/** The attributes of `<parley-chat>` (kebab-case, as in HTML) and the same as properties. */
export interface ParleyChatAttributes {
  /** The Parley server's origin, e.g. `https://chat.example`. */
  server?: string;
  /** The app id (`app_…`). */
  "app-id"?: string;
  /** The app id, set as a property. */
  appId?: string;
  /** A host-signed identity token: signs the user in without a password. */
  token?: string;
  /** A launcher bubble with a pop-up panel (default), or the panel in place. */
  mode?: ParleyChat["mode"];
  /** Colour scheme; `auto` follows the system setting. Default `light`. */
  theme?: ParleyChat["theme"];
  /** Whether the launcher's panel is open. */
  open?: boolean;
}

/** The events `<parley-chat>` fires (they bubble and cross the shadow boundary). */
export interface ParleyChatEventMap {
  /** The number of unread messages, whenever it changes. */
  "parley-unread": CustomEvent<number>;
  /** The panel opened. */
  "parley-opened": CustomEvent<null>;
  /** The panel closed. */
  "parley-closed": CustomEvent<null>;
  /** A message arrived from someone else. */
  "parley-message": CustomEvent<Message>;
}

/** Listeners as `on<event-name>` props (React 19, Preact, Svelte 5): `onparley-unread={…}`. */
export type ParleyChatEventProps = {
  [K in keyof ParleyChatEventMap as `on${K}`]?: (event: ParleyChatEventMap[K]) => void;
};
