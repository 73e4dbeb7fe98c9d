// The part of janode (Meetecho's Janus client, plain JavaScript) that calls/janus/ uses, typed.
declare module "janode" {
  export interface JanodeHandle {
    readonly id: number;
    on(event: string, listener: (data: unknown) => void): this;
    once(event: string, listener: (data: unknown) => void): this;
    detach(): Promise<void>;
    trickle(candidate: object): Promise<void>;
    trickleComplete(): Promise<void>;
  }
  export interface JanodeSession {
    attach<H>(plugin: { Handle: new (...args: never[]) => H }): Promise<H>;
    destroy(): Promise<void>;
    once(event: string, listener: () => void): this;
  }
  export interface JanodeConnection {
    create(kaInterval?: number): Promise<JanodeSession>;
    close(): Promise<void>;
    once(event: string, listener: (err?: unknown) => void): this;
    on(event: string, listener: (err?: unknown) => void): this;
  }
  const Janode: {
    connect(config: { is_admin?: boolean; max_retries?: number; retry_time_secs?: number; address: { url: string; apisecret?: string } | { url: string; apisecret?: string }[] }): Promise<JanodeConnection>;
    EVENT: Record<"CONNECTION_CLOSED" | "CONNECTION_ERROR" | "SESSION_DESTROYED" | "HANDLE_DETACHED" | "HANDLE_HANGUP" | "HANDLE_WEBRTCUP", string>;
    Logger: { setLevel(level: "none" | "error" | "warning" | "info" | "verbose" | "debug"): void };
  };
  export default Janode;
}

declare module "janode/plugins/videoroom" {
  import type { JanodeHandle } from "janode";
  export interface Jsep {
    type: "offer" | "answer";
    sdp: string;
  }
  export interface VideoRoomHandle extends JanodeHandle {
    message(body: Record<string, unknown>): Promise<{ _janode?: unknown; plugindata?: { data: Record<string, unknown> } } & Record<string, unknown>>;
    joinConfigurePublisher(p: { room: number; display?: string; token?: string; audio?: boolean; video?: boolean; jsep: Jsep }): Promise<{
      feed: number;
      jsep?: Jsep;
      publishers?: { feed: number; display?: string }[];
    }>;
    joinSubscriber(p: { room: number; token?: string; streams: { feed: number; mid?: string }[] }): Promise<{ jsep?: Jsep; streams?: unknown[] }>;
    start(p: { jsep: Jsep }): Promise<unknown>;
    leave(): Promise<unknown>;
    exists(p: { room: number }): Promise<{ exists: boolean }>;
    listParticipants(p: { room: number }): Promise<{ participants: { feed: number; display?: string; publisher?: boolean }[] }>;
    destroy(p: { room: number; secret?: string }): Promise<unknown>;
    kick(p: { room: number; feed: number; secret?: string }): Promise<unknown>;
  }
  const VideoRoomPlugin: { Handle: new (...args: never[]) => VideoRoomHandle; EVENT: Record<string, string> };
  export default VideoRoomPlugin;
}
