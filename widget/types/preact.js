// Types only: preact.d.ts makes <parley-chat> known to preact templates. Nothing runs.
export {};
