import { locale } from "./i18n.js";

// Formatters are built once per locale: a toLocale*String call with options builds a new one each
// time (a tenth of a millisecond), and a long thread formats every visible message on each render.
let built: { tag: string; clock: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat; dayMonth: Intl.DateTimeFormat; longDay: Intl.DateTimeFormat } | undefined;

/** The formatters for the widget's locale (i18n.ts `locale`), rebuilt when it changes. */
function formats() {
  if (built?.tag !== locale) {
    const f = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, o);
    built = {
      tag: locale,
      clock: f({ hour: "2-digit", minute: "2-digit" }),
      weekday: f({ weekday: "short" }),
      dayMonth: f({ day: "numeric", month: "short" }),
      longDay: f({ weekday: "long", day: "numeric", month: "long" }),
    };
  }
  return built;
}

/** "14:05" today, "Mon" this week, "3 Nov" before: in the widget's locale. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return formats().clock.format(d);
  if (now.getTime() - d.getTime() < 6 * 864e5) return formats().weekday.format(d);
  return formats().dayMonth.format(d);
}

/** "Monday, 3 November": a day separator. */
export function longDate(iso: string): string {
  return formats().longDay.format(new Date(iso));
}

export function dayKey(iso: string): string {
  return new Date(iso).toDateString();
}
