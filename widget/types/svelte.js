// Types only: svelte.d.ts makes <parley-chat> known to svelte templates. Nothing runs.
export {};
