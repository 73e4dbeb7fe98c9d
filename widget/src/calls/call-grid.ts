import type { GroupCallSession } from "@parley/sdk/calls";

/** How many tiles a group call's grid holds, in the buckets its layout knows (parley-call.styles.ts: columns by number and shape). */
export const bucket = (n: number): string => (n <= 2 ? String(n) : n <= 4 ? "4" : n <= 6 ? "6" : n <= 9 ? "9" : "many");

/** A remote participant speaks while their audio's RMS level (0..1) over the last reading is above this. */
const SPEAKING = 0.02;

/** Each session's audio energy and duration per remote track at the last reading. */
const last = new WeakMap<GroupCallSession, Map<string, { energy: number; duration: number }>>();

/**
 * Who speaks in a group call now: the mean level of each remote audio track since the last reading
 * (the growth of its inbound `totalAudioEnergy` over `totalSamplesDuration`), not one sample, which
 * would miss short sounds between two readings. One getStats() of the receiving connection a reading.
 */
export async function speakers(session: GroupCallSession): Promise<Set<string>> {
  const loud = new Set<string>();
  const pc = session.subscriber;
  if (!pc) return loud;
  const before = last.get(session) ?? new Map<string, { energy: number; duration: number }>();
  last.set(session, before);
  for (const r of (await pc.getStats()).values()) {
    if (r.type !== "inbound-rtp" || r.kind !== "audio" || !r.trackIdentifier) continue;
    const now = { energy: r.totalAudioEnergy ?? 0, duration: r.totalSamplesDuration ?? 0 };
    const was = before.get(r.trackIdentifier);
    before.set(r.trackIdentifier, now);
    if (!was || now.duration <= was.duration || Math.sqrt((now.energy - was.energy) / (now.duration - was.duration)) < SPEAKING) continue;
    for (const [user, stream] of session.streams) if (stream.getTrackById(r.trackIdentifier)) loud.add(user);
  }
  return loud;
}
