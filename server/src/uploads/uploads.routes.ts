import { ref } from "../shared/schema.js";
import { json, type Route } from "../request/route.js";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { callerOf } from "../request/context.js";
import { notFound } from "../shared/errors.js";
import { minimumFileBytes, receiveOneFile } from "../request/multipart.js";
import { parse } from "../shared/validate.js";
import { markVoiceBody } from "../voice/voice.schema.js";
import { IMAGE_TYPES } from "./sniff.js";
import type { DiskStorage } from "./storage.js";
import type { UploadsService } from "./uploads.service.js";

export interface UploadsRoutesDeps {
  uploads: UploadsService;
  storage: DiskStorage;
}

/**
 * `POST /uploads` (multipart, field `file`) -> 201 Attachment, unattached until sent with a
 * message. `GET /uploads/:id` serves it to its uploader and to members of the conversation
 * holding it (everyone else: 404). Bearer header only: no `?access_token=` for now.
 * `POST /uploads/:id/voice` marks an unsent upload as a voice message (voice/recording.ts checks it);
 * `GET /uploads/voice/settings` tells a recorder the app's longest one.
 */
export function uploadsRoutes({ uploads, storage }: UploadsRoutesDeps): Route[] {
  const routes: Route[] = [];

  routes.push({
    method: "post",
    path: "/v1/uploads",
    operationId: "upload",
    tag: "uploads",
    summary: "Upload a file, to be attached to a message",
    auth: "bearer",
    body: { multipart: "The file, in the field `file`" },
    ok: { 201: json("Attachment", "Stored, not yet attached") },
    errors: [429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      // Refused before the body is read when the quota has no room left for what is declared.
      await uploads.assertRoom(caller, Math.max(1, minimumFileBytes(ctx)));
      const file = await receiveOneFile(ctx, storage, MESSAGE_LIMITS.uploadMaxBytes);
      try {
        ctx.body = await uploads.create(caller, file);
        ctx.status = 201;
      } finally {
        await storage.discard(file.path);
      }
    },
  });

  routes.push({
    method: "post",
    path: "/v1/uploads/:id/voice",
    operationId: "markVoice",
    tag: "uploads",
    summary:
      "Mark one's own unsent upload as a voice message: Opus audio in WebM, Ogg or MP4, or AAC in MP4 (what Safari records; 415 otherwise), its length computed from the audio (413 past the app's maximum), with its waveform",
    auth: "bearer",
    params: { id: ref },
    body: { name: "MarkVoiceRequest", schema: markVoiceBody },
    ok: { 200: json("Attachment", "The upload, now a voice message (`voice` set)") },
    errors: [404, 409, 413, 415],
    handle: async (ctx) => {
      const body = parse(markVoiceBody, ctx.request.body);
      ctx.body = await uploads.markVoice(callerOf(ctx), String(ctx.params["id"]), body);
    },
  });

  routes.push({
    method: "get",
    path: "/v1/uploads/voice/settings",
    operationId: "getVoiceSettings",
    tag: "uploads",
    summary: "What a voice recorder needs: the app's longest voice message and the waveform's number of peaks",
    auth: "bearer",
    ok: { 200: json("VoiceSettings", "The settings") },
    handle: async (ctx) => {
      ctx.body = await uploads.voiceSettings(callerOf(ctx));
    },
  });

  routes.push({
    method: "get",
    path: "/v1/uploads/:id",
    operationId: "getUpload",
    tag: "uploads",
    summary: "An uploaded file (its uploader and the members of the conversation holding it)",
    auth: "bearer",
    params: { id: ref },
    ok: { 200: { media: "*/*", description: "The file" } },
    errors: [404],
    handle: async (ctx) => {
      // Set first, so error answers on this path carry them as well.
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.set("Content-Security-Policy", "sandbox");
      const { upload, file } = await uploads.getReadable(callerOf(ctx), String(ctx.params["id"]));
      try {
        await stat(file);
      } catch {
        throw notFound("Upload");
      }
      // Only raster images we sniffed ourselves are shown inline; everything else downloads. The
      // sandbox CSP and nosniff keep even a mislabelled file from running script on our origin.
      const inline = IMAGE_TYPES.has(upload.mime);
      ctx.set("Cache-Control", "private, max-age=3600");
      ctx.attachment(upload.name, { type: inline ? "inline" : "attachment" });
      ctx.type = upload.mime;
      ctx.length = upload.size;
      ctx.body = createReadStream(file);
    },
  });

  return routes;
}
