/**
 * The socket commands' schemas under their earlier names. Each is the one schema of its command,
 * defined in messages.schema.ts and shared with the HTTP route that carries the same command.
 */
export { markRead as readEvent, sendMessage as sendEvent, typing as typingEvent } from "../messages/messages.schema.js";
