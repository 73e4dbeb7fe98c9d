// Makes `<parley-chat>` known to Preact's JSX:
//
//   import type {} from "@parley/widget/preact";         // once, anywhere in the app
//   <parley-chat server="https://chat.example" app-id="app_…" onparley-unread={(e) => setCount(e.detail)} />
import type { HTMLAttributes } from "preact";
import type { ParleyChat, ParleyChatAttributes, ParleyChatEventProps } from "./parley-chat.js";

export type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap, ParleyChatEventProps } from "./parley-chat.js";

/** The props of `<parley-chat>` in Preact. */
export type ParleyChatPreactProps = Omit<HTMLAttributes<ParleyChat>, keyof ParleyChatAttributes> & ParleyChatAttributes & ParleyChatEventProps;

declare module "preact" {
  namespace JSX {
    interface IntrinsicElements {
      "parley-chat": ParleyChatPreactProps;
    }
  }
}
