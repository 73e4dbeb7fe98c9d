/** The microphones, cameras and speakers this browser offers, by kind (labels come once a call has its media). */
export type DeviceLists = Record<"audioinput" | "videoinput" | "audiooutput", MediaDeviceInfo[]>;

/** Whether media elements can play to a chosen speaker (`setSinkId`: Chromium, Firefox 116+; not Safari): the speaker choice is shown only then. */
export const canPickSpeaker = (): boolean => typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

/** The devices by kind, without the "communications" duplicates Chromium lists on Windows. */
export async function listDevices(): Promise<DeviceLists> {
  const lists: DeviceLists = { audioinput: [], videoinput: [], audiooutput: [] };
  for (const d of await navigator.mediaDevices.enumerateDevices().catch(() => [])) {
    if (d.deviceId && d.deviceId !== "communications" && d.kind in lists) lists[d.kind].push(d);
  }
  return lists;
}

/** Plays every media element of the view to the chosen speaker (an element added later is given it as it comes). */
export async function playTo(elements: Iterable<HTMLMediaElement>, sinkId: string): Promise<void> {
  await Promise.all(
    [...elements].map((el) => {
      const m = el as HTMLMediaElement & { sinkId?: string; setSinkId?(id: string): Promise<void> };
      return m.sinkId === sinkId ? undefined : m.setSinkId?.(sinkId).catch(() => undefined);
    }),
  );
}

/** The track's device id (to show the current choice), or "". */
export const deviceOf = (stream: MediaStream | undefined, kind: "audio" | "video"): string =>
  stream
    ?.getTracks()
    .find((t) => t.kind === kind)
    ?.getSettings().deviceId ?? "";
