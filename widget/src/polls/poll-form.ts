// The "+" menu's "Poll" (tools/parley-tools.ts) fetches this chunk: the form is <parley-poll-form>, in its own folder.
export { open } from "../poll-form/parley-poll-form.js";
