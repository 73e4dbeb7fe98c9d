// The "+" menu's "Poll" (tools/parley-tools.ts) fetches this chunk: the form is <parley-poll-form>, beside it.
export { open } from "./parley-poll-form.js";
