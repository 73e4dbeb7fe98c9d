/**
 * The Parley wire contract: every shape that crosses between a client and the server, one file
 * per area, all exported from here.
 *
 * This folder is the single source of truth for both sides: the server imports it (as
 * `@parley/sdk/protocol`) and the SDK re-exports it. It has no runtime dependencies (its files
 * import only each other's types); the only values are tables that both sides need at run time
 * (error code -> HTTP status, limits, header names, webhook event types, report reasons).
 */
export * from "./errors.js";
export * from "./limits.js";
export * from "./common.js";
export * from "./auth.js";
export * from "./users.js";
export * from "./conversations.js";
export * from "./messages.js";
export * from "./streaming.js";
export * from "./threads.js";
export * from "./pins.js";
export * from "./polls.js";
export * from "./voice.js";
export * from "./calls.js";
export * from "./search.js";
export * from "./contacts.js";
export * from "./presence.js";
export * from "./events.js";
export * from "./socket.js";
export * from "./data-rights.js";
export * from "./server-api.js";
export * from "./webhooks.js";
export * from "./moderation.js";
export * from "./push.js";
export * from "./console.js";
export * from "./console-usage.js";
export * from "./console-apps.js";
export * from "./email.js";
export * from "./agents.js";
export * from "./scheduled.js";
export * from "./drafts.js";
