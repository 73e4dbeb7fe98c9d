// Makes `<parley-chat>` known to Vue templates (vue-tsc / Volar), the way Vue's guide describes
// for non-Vue custom elements. Tell Vue's compiler it is a custom element too:
// `compilerOptions.isCustomElement: (tag) => tag.startsWith("parley-")`.
//
//   import type {} from "@parley/widget/vue";            // once, e.g. in env.d.ts
//   <parley-chat server="https://chat.example" app-id="app_…" @parley-unread="count = $event.detail" />
import type { EmitFn, HTMLAttributes, PublicProps } from "vue";
import type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap } from "./parley-chat.js";

export type { ParleyChat, ParleyChatAttributes, ParleyChatEventMap } from "./parley-chat.js";

/** `<parley-chat>` as a Vue component type: its attributes as props, its events as emits. */
export type ParleyChatVueComponent = new () => ParleyChat & {
  /** @deprecated Template prop types only: not a property of the element. */
  $props: HTMLAttributes & ParleyChatAttributes & PublicProps;
  /** @deprecated Template event types only: not a property of the element. */
  $emit: EmitFn<{ [K in keyof ParleyChatEventMap]: (event: ParleyChatEventMap[K]) => void }>;
};

declare module "vue" {
  interface GlobalComponents {
    "parley-chat": ParleyChatVueComponent;
  }
}
