/** @parley/widget: the Parley chat UI as web components (`<parley-chat>`), built on @parley/sdk. */
export { ParleyChat } from "./parley-chat.js";
export { ParleySignin } from "./parley-signin.js";
export { ParleyList } from "./parley-list.js";
export { ParleyPeople } from "./parley-people.js";
export { ParleyThread, type SendDetail } from "./parley-thread.js";
export { ParleyInfo } from "./parley-info.js";
export { EN, format, type Strings } from "./i18n.js";
export { linkify } from "./linkify.js";
