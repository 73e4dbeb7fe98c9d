import type { ComposerHost } from "../thread/composer.js";

// Placeholder until this tool is built (issue 33, in progress): says it cannot open yet.
export const open = (host: ComposerHost, _anchor: HTMLElement): void => host.emit("parley-notice", host.t.loadFailed);
