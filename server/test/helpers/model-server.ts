import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a model server received: its headers, its body, and whether its connection closed before the answer ended. */
export interface ModelRequest {
  headers: IncomingMessage["headers"];
  body: {
    model: string;
    messages: { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    temperature?: number;
    max_tokens?: number;
    tools?: { type: string; function: { name: string; description: string; parameters: unknown } }[];
  };
  /** Resolves when the client closed the connection before the answer was complete (Stop). */
  closedEarly: Promise<void>;
}

/**
 * How the scripted model answers a request, chosen by the request's `model`:
 * - `tokens`: streams `tokens` as chat completion chunks, `gapMs` apart, then `[DONE]`; with
 *   `stallAfter`, only that many, then nothing more on a connection kept open (a model stuck mid-answer);
 * - `status`: answers that HTTP status with a JSON error;
 * - `garbage`: an event stream whose data is not JSON;
 * - `error`: streams `tokens`, then an error event (`data: {"error": …}`, as vLLM and OpenAI send
 *   mid-stream) and ends;
 * - `stall`: headers, then nothing;
 * - `drop`: a few tokens, then the connection is destroyed;
 * - `whole`: one JSON chat completion (not streamed);
 * - `tools`: streams tool calls in OpenAI's delta format, each call's arguments cut into `pieces`
 *   chunks (the first chunk of a call has its id and name), `finish_reason: "tool_calls"`;
 * - `turns`: the nth request with this model answers as `turns[n]` (the last one after that).
 * `tokens` and `tools` send the usage chunk (empty choices, `usage`) when the request asked for it
 * with `stream_options.include_usage` and the script has `usage`. `echo` on `status`, `garbage`
 * and `error`: the error quotes the request's Authorization header, as some servers do with a key
 * they refuse ("Incorrect API key provided: …").
 */
export type Script =
  | { kind: "tokens"; tokens: string[]; gapMs?: number; usage?: Usage; stallAfter?: number }
  | { kind: "tools"; calls: { name: string; arguments: string }[]; pieces?: number; usage?: Usage }
  | { kind: "turns"; turns: Script[] }
  | { kind: "status"; status: number; echo?: boolean }
  | { kind: "garbage"; echo?: boolean }
  | { kind: "error"; tokens: string[]; echo?: boolean }
  | { kind: "stall" }
  | { kind: "drop"; tokens: string[] }
  | { kind: "whole"; text: string };

/** A usage chunk's counts. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/**
 * An OpenAI-compatible chat completions server on loopback that speaks the real protocol
 * (`POST /v1/chat/completions`, `stream: true`, server-sent events of `chat.completion.chunk`
 * objects ending in `data: [DONE]`) with scripted answers, and keeps every request it received.
 */
export class ModelServer {
  readonly requests: ModelRequest[] = [];
  readonly scripts = new Map<string, Script>();
  private server: Server | undefined;
  private readonly open = new Set<ServerResponse>();
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** The requests made with `model`. */
  for(model: string): ModelRequest[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ModelRequest["body"];
    let finished = false;
    const closedEarly = new Promise<void>((resolve) => res.on("close", () => !finished && resolve()));
    this.requests.push({ headers: req.headers, body, closedEarly });
    this.open.add(res);
    res.on("close", () => this.open.delete(res));
    let script = this.scripts.get(body.model) ?? { kind: "status", status: 404 };
    if (script.kind === "turns") {
      const nth = this.for(body.model).length - 1;
      script = script.turns[Math.min(nth, script.turns.length - 1)] ?? { kind: "status", status: 404 };
    }
    const data = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    const frame = (choices: unknown[]) => data({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 0, model: body.model, choices });
    const chunk = (content: string) => frame([{ index: 0, delta: { content }, finish_reason: null }]);
    // The usage chunk, as OpenAI sends it: no choices, the whole request's counts.
    const usage = (u: Usage | undefined) =>
      u && body.stream_options?.include_usage
        ? data({
            id: "chatcmpl-1",
            object: "chat.completion.chunk",
            created: 0,
            model: body.model,
            choices: [],
            usage: { ...u, total_tokens: u.prompt_tokens + u.completion_tokens },
          })
        : "";
    const refusal = (echo: boolean | undefined) => (echo ? `Incorrect API key provided: ${String(req.headers.authorization)}` : "scripted failure");
    const events = () => res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    switch (script.kind) {
      case "status":
        finished = true;
        res.writeHead(script.status, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: refusal(script.echo) } }));
        return;
      case "garbage":
        events();
        finished = true;
        res.end(`data: <html>not json${script.echo ? `: ${refusal(true)}` : ""}</html>\n\n`);
        return;
      case "error":
        events();
        for (const t of script.tokens) res.write(chunk(t));
        finished = true;
        res.end(data({ error: { message: refusal(script.echo), type: "invalid_request_error" } }));
        return;
      case "stall":
        events();
        res.flushHeaders();
        return;
      case "drop":
        events();
        for (const t of script.tokens) res.write(chunk(t));
        setTimeout(() => res.destroy(), 50);
        return;
      case "whole":
        finished = true;
        res
          .writeHead(200, { "Content-Type": "application/json" })
          .end(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: script.text } }] }));
        return;
      case "tokens": {
        events();
        res.write(`data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant" } }] })}\n\n`);
        for (const [i, t] of script.tokens.entries()) {
          if (res.destroyed || i === script.stallAfter) return;
          res.write(chunk(t));
          if (script.gapMs) await new Promise((r) => setTimeout(r, script.gapMs));
        }
        res.write(frame([{ index: 0, delta: {}, finish_reason: "stop" }]));
        res.write(usage(script.usage));
        finished = true;
        res.end("data: [DONE]\n\n");
        return;
      }
      case "tools": {
        events();
        res.write(frame([{ index: 0, delta: { role: "assistant", content: null } }]));
        const pieces = script.pieces ?? 3;
        script.calls.forEach((call, index) => {
          const size = Math.ceil(call.arguments.length / pieces) || 1;
          for (let at = 0, first = true; first || at < call.arguments.length; at += size, first = false) {
            const fn = first ? { name: call.name, arguments: call.arguments.slice(at, at + size) } : { arguments: call.arguments.slice(at, at + size) };
            res.write(frame([{ index: 0, delta: { tool_calls: [{ index, ...(first ? { id: `call_${index}`, type: "function" } : {}), function: fn }] } }]));
          }
        });
        res.write(frame([{ index: 0, delta: {}, finish_reason: "tool_calls" }]));
        res.write(usage(script.usage));
        finished = true;
        res.end("data: [DONE]\n\n");
      }
    }
  }
}
