// The "+" menu's "Voice message" (tools/parley-tools.ts) fetches this chunk: the recorder is <parley-voice-recorder>, in its own folder.
export { open } from "../voice-recorder/parley-voice-recorder.js";
