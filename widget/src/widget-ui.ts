/**
 * The full widget UI, loaded by the script-tag loader (embed.ts) when the visitor opens the chat
 * or the browser is idle: registers <parley-chat> and the elements it renders. Built as a
 * content-hashed ES module beside widget.js.
 */
import "./chat/parley-chat.js";
