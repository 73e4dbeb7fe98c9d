// Makes `<parley-chat>` known to React's JSX (React 19 sets known properties and listens to
// `on<event>` props on custom elements):
//
//   import type {} from "@parley/widget/react";          // once, anywhere in the app
//   <parley-chat server="https://chat.example" app-id="app_…" onparley-unread={(e) => setCount(e.detail)} />
import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type { ParleyChat, ParleyChatAttributes, ParleyChatEventProps } from "./parley-chat.js";

export type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap, ParleyChatEventProps } from "./parley-chat.js";

/** The props of `<parley-chat>` in React. */
export type ParleyChatReactProps = DetailedHTMLProps<HTMLAttributes<ParleyChat>, ParleyChat> & ParleyChatAttributes & ParleyChatEventProps;

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "parley-chat": ParleyChatReactProps;
    }
  }
}
