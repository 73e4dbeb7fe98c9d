// The launcher's name before the UI arrives: in the loader (embed.ts, widget.js), which every page
// of a host site loads, so a few short strings and no chunk.

/**
 * The launcher's name in each shipped language, from the first paint (issue 52: it said "Open
 * chat" in English until the language's chunk came): `[openChat, unreadLabel]` of each locale
 * table, which widget/test/locales.test.ts holds equal to them.
 */
export const LAUNCHER_NAMES: Record<string, readonly [string, string]> = {
  en: ["Open chat", "{label}, {count} unread"],
  ar: ["فتح الدردشة", "{label}، {count} غير مقروءة"],
  de: ["Chat öffnen", "{label}, {count} ungelesen"],
  es: ["Abrir chat", "{label}, {count} sin leer"],
  fr: ["Ouvrir le chat", "{label}, non lus : {count}"],
  he: ["פתיחת הצ'אט", "{label}, {count} שלא נקראו"],
  hi: ["चैट खोलें", "{label}, {count} बिना पढ़े"],
  it: ["Apri la chat", "{label}, {count} non letti"],
  ja: ["チャットを開く", "{label}、未読{count}件"],
  ko: ["채팅 열기", "{label}, 읽지 않은 메시지 {count}개"],
  nl: ["Chat openen", "{label}, {count} ongelezen"],
  pl: ["Otwórz czat", "{label}, nieprzeczytane: {count}"],
  "pt-BR": ["Abrir chat", "{label}, {count} não lidas"],
  ru: ["Открыть чат", "{label}, непрочитанных: {count}"],
  tr: ["Sohbeti aç", "{label}, {count} okunmamış"],
  "zh-CN": ["打开聊天", "{label}，{count}条未读"],
};

/** The launcher's label in the first of `wanted` shipped (the tag, else its language), else English; as i18n/language.ts picks. */
export function launcherLabel(wanted: Array<string | null | undefined>, unread: number): string {
  const codes = Object.keys(LAUNCHER_NAMES);
  let names = LAUNCHER_NAMES["en"]!;
  for (const tag of wanted) {
    const lang = tag?.split("-")[0]?.toLowerCase();
    if (!tag || !lang) continue;
    const code = codes.find((c) => c.toLowerCase() === tag.toLowerCase()) ?? codes.find((c) => c.split("-")[0] === lang);
    if (code) {
      names = LAUNCHER_NAMES[code]!;
      break;
    }
  }
  return unread > 0 ? names[1].replace("{label}", names[0]).replace("{count}", String(unread)) : names[0];
}
