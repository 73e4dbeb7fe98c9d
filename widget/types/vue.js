// Types only: vue.d.ts makes <parley-chat> known to vue templates. Nothing runs.
export {};
