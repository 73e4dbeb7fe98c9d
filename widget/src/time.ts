// Formatters are built once: a toLocale*String call with options builds a new one each time
// (a tenth of a millisecond), and a long thread formats every visible message on each render.
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDay = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

/** "14:05" today, "Mon" this week, "3 Nov" before: in the reader's locale. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return clock.format(d);
  if (now.getTime() - d.getTime() < 6 * 864e5) return weekday.format(d);
  return dayMonth.format(d);
}

/** "Monday, 3 November": a day separator. */
export function longDate(iso: string): string {
  return longDay.format(new Date(iso));
}

export function dayKey(iso: string): string {
  return new Date(iso).toDateString();
}
