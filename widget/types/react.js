// Types only: react.d.ts makes <parley-chat> known to react templates. Nothing runs.
export {};
