/** @parley/widget: the Parley chat UI as web components (`<parley-chat>`), built on @parley/sdk. */
export { ParleyChat } from "./chat/parley-chat.js";
export { ParleySignin } from "./signin/parley-signin.js";
export { ParleyList } from "./list/parley-list.js";
export { ParleyPeople } from "./people/parley-people.js";
export { ParleyThread, type SendDetail } from "./thread/parley-thread.js";
export { ParleyInfo } from "./info/parley-info.js";
export { EN, format, type Strings } from "./i18n/i18n.js";
export { linkify } from "./message/linkify.js";
