import { EMAIL_STRINGS, localeOf, REMINDER_STRINGS, RTL_LOCALES } from "./email.strings.js";

/** One conversation with something unread, as an e-mail tells it (muted ones and blocked senders already left out). */
export interface UnreadConversation {
  conversationId: string;
  /** The group's name, or for a direct conversation the other person's. */
  name: string;
  /** Who wrote (display names, newest first, each once). */
  senders: string[];
  /** The newest texts, oldest first: only when the app opted in (`includeText`). */
  texts: string[];
  /** Where the link opens the widget on this conversation. */
  link: string;
}

export interface EmailContent {
  appName: string;
  userName: string;
  locale: string | null;
  conversations: UnreadConversation[];
  unsubscribeUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** At most this many conversations are listed (the newest first); the rest are behind the link. */
export const MAX_CONVERSATIONS = 10;
/** A text quoted in an e-mail is cut to this many characters. */
export const TEXT_MAX_CHARS = 300;

const fill = (s: string, values: Record<string, string>): string => s.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);

/** Text to put in HTML: every character that means something there, escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The same e-mail in plain text and HTML, in the user's language (English when there is none). */
export function renderEmail(c: EmailContent): RenderedEmail {
  const locale = localeOf(c.locale);
  const t = EMAIL_STRINGS[locale];
  const names = (list: string[]): string => new Intl.ListFormat(locale, { type: "conjunction" }).format(list);
  const clip = (s: string): string => {
    const chars = [...s.replace(/\s+/g, " ").trim()];
    return chars.length <= TEXT_MAX_CHARS ? chars.join("") : `${chars.slice(0, TEXT_MAX_CHARS - 1).join("")}…`;
  };
  const list = c.conversations.slice(0, MAX_CONVERSATIONS);
  const subject = fill(t.subject, { app: oneLine(c.appName) });
  const text = [
    fill(t.intro, { name: c.userName }),
    "",
    ...list.flatMap((k) => [
      `* ${k.name}`,
      `  ${fill(t.from, { names: names(k.senders) })}`,
      ...k.texts.map((x) => `  > ${clip(x)}`),
      `  ${t.open}: ${k.link}`,
      "",
    ]),
    "-- ",
    fill(t.footer, { app: c.appName }),
    `${t.unsubscribe}: ${c.unsubscribeUrl}`,
    "",
  ].join("\n");
  const e = escapeHtml;
  const dir = RTL_LOCALES.has(locale) ? "rtl" : "ltr";
  const html = `<!doctype html>
<html lang="${e(locale)}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:12px;padding:24px">
<p style="margin:0 0 16px">${e(fill(t.intro, { name: c.userName }))}</p>
${list
  .map(
    (k) => `<div style="border-top:1px solid #e5e7eb;padding:12px 0">
<div style="font-weight:600">${e(k.name)}</div>
<div style="color:#57606a;font-size:14px">${e(fill(t.from, { names: names(k.senders) }))}</div>
${k.texts.map((x) => `<blockquote style="margin:8px 0;padding:0 12px;border-inline-start:3px solid #d0d7de;color:#1f2328">${e(clip(x))}</blockquote>`).join("\n")}
<a href="${e(k.link)}" style="display:inline-block;margin-top:8px;padding:8px 14px;border-radius:8px;background:#2563eb;color:#fff;text-decoration:none">${e(t.open)}</a>
</div>`,
  )
  .join("\n")}
<p style="margin:24px 0 0;color:#57606a;font-size:12px">${e(fill(t.footer, { app: c.appName }))} <a href="${e(c.unsubscribeUrl)}" style="color:#57606a">${e(t.unsubscribe)}</a></p>
</div>
</body>
</html>
`;
  return { subject, text, html };
}

/** A header value: no line breaks (nodemailer encodes the rest). */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, " ").trim();

/** A reminder's e-mail (issue 55): the message it is about, who wrote it where, and the link. */
export interface ReminderContent {
  appName: string;
  userName: string;
  locale: string | null;
  /** The group's name, or for a direct conversation the sender's. */
  conversationName: string;
  senderName: string;
  /** The message's text: only when the app opted in (`includeText`), as for unread messages. */
  text: string | null;
  link: string;
  unsubscribeUrl: string;
}

/** A reminder's e-mail in plain text and HTML, in the user's language (English when there is none). */
export function renderReminderEmail(c: ReminderContent): RenderedEmail {
  const locale = localeOf(c.locale);
  const t = EMAIL_STRINGS[locale];
  const r = REMINDER_STRINGS[locale];
  const chars = c.text === null ? [] : [...c.text.replace(/\s+/g, " ").trim()];
  const quote = chars.length === 0 ? null : chars.length <= TEXT_MAX_CHARS ? chars.join("") : `${chars.slice(0, TEXT_MAX_CHARS - 1).join("")}…`;
  const subject = fill(r.subject, { app: oneLine(c.appName) });
  const from = fill(t.from, { names: c.senderName });
  const text = [
    fill(r.intro, { name: c.userName }),
    "",
    `* ${c.conversationName}`,
    `  ${from}`,
    ...(quote ? [`  > ${quote}`] : []),
    `  ${t.open}: ${c.link}`,
    "",
    "-- ",
    fill(r.footer, { app: c.appName }),
    `${t.unsubscribe}: ${c.unsubscribeUrl}`,
    "",
  ].join("\n");
  const e = escapeHtml;
  const dir = RTL_LOCALES.has(locale) ? "rtl" : "ltr";
  const html = `<!doctype html>
<html lang="${e(locale)}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:12px;padding:24px">
<p style="margin:0 0 16px">${e(fill(r.intro, { name: c.userName }))}</p>
<div style="border-top:1px solid #e5e7eb;padding:12px 0">
<div style="font-weight:600">${e(c.conversationName)}</div>
<div style="color:#57606a;font-size:14px">${e(from)}</div>
${quote ? `<blockquote style="margin:8px 0;padding:0 12px;border-inline-start:3px solid #d0d7de;color:#1f2328">${e(quote)}</blockquote>` : ""}
<a href="${e(c.link)}" style="display:inline-block;margin-top:8px;padding:8px 14px;border-radius:8px;background:#2563eb;color:#fff;text-decoration:none">${e(t.open)}</a>
</div>
<p style="margin:24px 0 0;color:#57606a;font-size:12px">${e(fill(r.footer, { app: c.appName }))} <a href="${e(c.unsubscribeUrl)}" style="color:#57606a">${e(t.unsubscribe)}</a></p>
</div>
</body>
</html>
`;
  return { subject, text, html };
}
