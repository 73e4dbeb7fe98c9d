import http from "node:http";
import https from "node:https";
import { guardedLookup } from "../webhooks/url-guard.js";

/** A tool call as the model asked it: `arguments` is the JSON text it wrote (perhaps not valid JSON). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One turn of the conversation as a chat completions endpoint reads it (a tool's answer is a `tool` turn). */
export type ChatTurn =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[] }
  | { role: "tool"; tool_call_id: string; content: string };

/** A tool offered to the model, in the chat completions request's `tools` shape. */
export interface ToolSpec {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** What a request is made of. */
export interface ChatRequest {
  endpoint: string;
  apiKey: string | null;
  model: string;
  messages: ChatTurn[];
  temperature: number;
  maxTokens: number;
  /** Offered tools; none: no `tools` in the request. */
  tools?: ToolSpec[];
}

/**
 * What the stream yields: text as it comes; the usage the model reported (its usage chunk, asked
 * for with `stream_options.include_usage`); and, once the answer is complete, the tool calls it
 * made (their arguments joined from the pieces they were streamed in).
 */
export type ModelPiece = { type: "text"; text: string } | { type: "usage"; prompt: number; completion: number } | { type: "tool_calls"; calls: ToolCall[] };

/** Why a model's answer ended without finishing, in words a member may read. */
export class ModelError extends Error {
  constructor(
    readonly kind: "unreachable" | "status" | "garbage" | "timeout" | "dropped",
    message: string,
  ) {
    super(message);
  }
}

export interface StreamLimits {
  /** Nothing at all from the model this long after the request: given up. */
  firstTokenMs: number;
  /** Nothing new this long in the middle of an answer: given up. */
  idleMs: number;
  /** Loopback and private addresses allowed (a model on this machine or network). */
  allowPrivate: boolean;
}

/** The body of a response read whole (an error's, or a server that does not stream), at most this much. */
const BODY_MAX = 64 * 1024;
/** Tool calls in one answer, and the arguments of one, at most (a model looping on a call is garbage). */
const CALLS_MAX = 8;
const ARGUMENTS_MAX = 16 * 1024;

/**
 * Streams a reply from an OpenAI-compatible chat completions endpoint (`POST {endpoint}/chat/completions`
 * with `stream: true`: llama.cpp's server, vLLM, Ollama, hosted ones), yielding the text as it
 * comes. Server-sent events are read line by line (`data: {json}`, `data: [DONE]`); a server that
 * answers one JSON body instead is read whole. Every way it can go wrong ends in a ModelError: no
 * connection, an answer other than 2xx, something that is not the protocol, silence past the
 * limits, the connection dropped before `[DONE]`. `signal` aborts it (a member pressed Stop): the
 * connection is closed and the generator ends quietly.
 */
export async function* streamChat(req: ChatRequest, limits: StreamLimits, signal: AbortSignal): AsyncGenerator<ModelPiece> {
  const url = new URL(`${req.endpoint.replace(/\/+$/, "")}/chat/completions`);
  const body = JSON.stringify({
    model: req.model,
    messages: req.messages,
    stream: true,
    // The usage chunk (OpenAI, vLLM, llama.cpp's server, Ollama): the tokens counted by the model itself.
    stream_options: { include_usage: true },
    temperature: req.temperature,
    max_tokens: req.maxTokens,
    ...(req.tools?.length ? { tools: req.tools } : {}),
  });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "text/event-stream",
    "Content-Length": String(Buffer.byteLength(body)),
  };
  if (req.apiKey) headers["Authorization"] = `Bearer ${req.apiKey}`;

  const timer = new Watchdog();
  const request = (url.protocol === "https:" ? https : http).request(url, { method: "POST", headers, lookup: guardedLookup(limits.allowPrivate) });
  const abort = (): void => void request.destroy();
  signal.addEventListener("abort", abort, { once: true });
  try {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      timer.arm(limits.firstTokenMs, () => reject(new ModelError("timeout", "The model did not answer in time")));
      request.once("response", resolve);
      request.once("error", (err) => reject(signal.aborted ? err : new ModelError("unreachable", `The model could not be reached (${codeOf(err)})`)));
      request.end(body);
    });
    const status = res.statusCode ?? 0;
    const type = String(res.headers["content-type"] ?? "");
    if (status < 200 || status > 299) {
      res.resume();
      throw new ModelError("status", `The model answered HTTP ${status}`);
    }
    if (!type.includes("text/event-stream")) {
      // Not streamed: one JSON body, read whole (bounded), its message's content at once.
      const raw = await readAll(res, timer, limits.idleMs);
      const whole = parseJson(raw) as { choices?: { message?: { content?: unknown; tool_calls?: RawCall[] } }[]; usage?: RawUsage } | undefined;
      const message = whole?.choices?.[0]?.message;
      const text = message?.content;
      if (!message || (typeof text !== "string" && !Array.isArray(message.tool_calls)))
        throw new ModelError("garbage", "The model's answer was not a chat completion");
      if (typeof text === "string" && text) yield { type: "text", text };
      const usage = usageOf(whole?.usage);
      if (usage) yield usage;
      const calls = new Calls();
      calls.add(message.tool_calls);
      if (calls.size > 0) yield { type: "tool_calls", calls: calls.all() };
      return;
    }
    const calls = new Calls();
    let pending = "";
    let done = false;
    for await (const chunk of lines(res, timer, limits)) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, "");
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
        if (!line.startsWith("data:")) continue; // comments (":"), event names, blank separators
        const data = line.slice(5).trim();
        if (data === "[DONE]") {
          done = true;
          break;
        }
        const event = parseJson(data) as
          | { choices?: { delta?: { content?: unknown; tool_calls?: RawCall[] } }[]; usage?: RawUsage; error?: { message?: unknown } }
          | undefined;
        if (!event) throw new ModelError("garbage", "The model sent something that is not the chat completions protocol");
        if (event.error) throw new ModelError("status", "The model reported an error");
        const delta = event.choices?.[0]?.delta;
        const piece = delta?.content;
        if (typeof piece === "string" && piece) yield { type: "text", text: piece };
        calls.add(delta?.tool_calls);
        const usage = usageOf(event.usage);
        if (usage) yield usage;
      }
      if (done) break;
    }
    if (!done && !signal.aborted) throw new ModelError("dropped", "The connection to the model dropped before the answer was complete");
    if (calls.size > 0) yield { type: "tool_calls", calls: calls.all() };
  } catch (err) {
    if (signal.aborted) return;
    throw err instanceof ModelError ? err : new ModelError("dropped", "The connection to the model dropped before the answer was complete");
  } finally {
    timer.disarm();
    signal.removeEventListener("abort", abort);
    request.destroy();
  }
}

/** The response's text as it comes, each chunk restarting the idle limit (the first one the first-token limit). */
async function* lines(res: http.IncomingMessage, timer: Watchdog, limits: StreamLimits): AsyncGenerator<string> {
  res.setEncoding("utf8");
  const chunks: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: unknown;
  res.on("data", (c: string) => {
    chunks.push(c);
    wake?.();
  });
  res.on("end", () => {
    ended = true;
    wake?.();
  });
  res.on("error", (err) => {
    failure = err;
    wake?.();
  });
  res.on("close", () => {
    ended = true;
    wake?.();
  });
  let first = true;
  for (;;) {
    if (chunks.length > 0) {
      first = false;
      yield chunks.splice(0).join("");
      continue;
    }
    if (failure) throw failure;
    if (ended) return;
    await new Promise<void>((resolve, reject) => {
      wake = resolve;
      timer.arm(first ? limits.firstTokenMs : limits.idleMs, () =>
        reject(new ModelError("timeout", first ? "The model did not answer in time" : "The model stopped answering")),
      );
    }).finally(() => {
      wake = undefined;
      timer.disarm();
    });
  }
}

async function readAll(res: http.IncomingMessage, timer: Watchdog, idleMs: number): Promise<string> {
  let size = 0;
  const parts: Buffer[] = [];
  return new Promise<string>((resolve, reject) => {
    const idle = () => timer.arm(idleMs, () => reject(new ModelError("timeout", "The model stopped answering")));
    idle();
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > BODY_MAX) return reject(new ModelError("garbage", "The model's answer was too large"));
      parts.push(c);
      idle();
    });
    res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    res.on("error", () => reject(new ModelError("dropped", "The connection to the model dropped before the answer was complete")));
  });
}

/** A tool call's piece as a chunk carries it (OpenAI's delta format: the first piece has the id and name). */
interface RawCall {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}
interface RawUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

const usageOf = (u: RawUsage | null | undefined): ModelPiece | undefined =>
  u && typeof u.prompt_tokens === "number" && typeof u.completion_tokens === "number"
    ? { type: "usage", prompt: Math.max(0, Math.round(u.prompt_tokens)), completion: Math.max(0, Math.round(u.completion_tokens)) }
    : undefined;

/** The tool calls of one answer, put together by index from the pieces they are streamed in. */
class Calls {
  private readonly byIndex = new Map<number, ToolCall>();
  get size(): number {
    return this.byIndex.size;
  }
  add(pieces: RawCall[] | undefined): void {
    if (!Array.isArray(pieces)) return;
    for (const p of pieces) {
      const index = typeof p.index === "number" ? p.index : this.byIndex.size;
      let call = this.byIndex.get(index);
      if (!call) {
        if (this.byIndex.size >= CALLS_MAX) throw new ModelError("garbage", "The model asked for too many tools at once");
        call = { id: "", name: "", arguments: "" };
        this.byIndex.set(index, call);
      }
      if (typeof p.id === "string" && p.id) call.id = p.id;
      if (typeof p.function?.name === "string") call.name += p.function.name;
      if (typeof p.function?.arguments === "string") call.arguments += p.function.arguments;
      if (call.arguments.length > ARGUMENTS_MAX) throw new ModelError("garbage", "The model's tool call was too large");
    }
  }
  all(): ToolCall[] {
    return [...this.byIndex.entries()].sort(([a], [b]) => a - b).map(([i, c]) => ({ ...c, id: c.id || `call_${i}` }));
  }
}

const parseJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

const codeOf = (err: unknown): string => String((err as { code?: unknown })?.code ?? (err as Error)?.message ?? "error");

/** One timer at a time: the first-token or the idle limit, whichever is waited on now. */
class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  arm(ms: number, fire: () => void): void {
    this.disarm();
    this.timer = setTimeout(fire, ms);
  }
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
