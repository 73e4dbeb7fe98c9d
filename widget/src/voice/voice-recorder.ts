// The "+" menu's "Voice message" (tools/parley-tools.ts) fetches this chunk: the recorder is <parley-voice-recorder>, beside it.
export { open } from "./parley-voice-recorder.js";
