/**
 * A reminder come due (issue 55, parley-reminder-due.ts): the notice in the widget and the browser
 * notification of a hidden tab. Every language is here, for the reason parley-remind.strings.ts
 * gives. A host overrides any of them (`strings`).
 */
export const DUE_EN = {
  /** {name}: the message's sender; {text}: its first words. */
  reminderDue: "Reminder: {name} — “{text}”",
  /** A message without text (files, a voice message). */
  reminderDueNoText: "Reminder: a message from {name}",
  /** The browser notification's title; its body is the text. */
  reminderTitle: "Reminder: {name}",
  /** Shows the message in its conversation. */
  reminderOpen: "Open",
  reminderDismiss: "Dismiss",
  /** The notices' region. */
  reminderNotices: "Reminders due",
};
export type DueStrings = typeof DUE_EN;

export const DUE_LOCALES: Record<string, DueStrings> = {
  ar: {
    reminderDue: "تذكير: {name} — «{text}»",
    reminderDueNoText: "تذكير: رسالة من {name}",
    reminderTitle: "تذكير: {name}",
    reminderOpen: "فتح",
    reminderDismiss: "إغلاق",
    reminderNotices: "تذكيرات حان وقتها",
  },
  de: {
    reminderDue: "Erinnerung: {name} – „{text}“",
    reminderDueNoText: "Erinnerung: eine Nachricht von {name}",
    reminderTitle: "Erinnerung: {name}",
    reminderOpen: "Öffnen",
    reminderDismiss: "Schließen",
    reminderNotices: "Fällige Erinnerungen",
  },
  es: {
    reminderDue: "Recordatorio: {name} — «{text}»",
    reminderDueNoText: "Recordatorio: un mensaje de {name}",
    reminderTitle: "Recordatorio: {name}",
    reminderOpen: "Abrir",
    reminderDismiss: "Cerrar",
    reminderNotices: "Recordatorios pendientes",
  },
  fr: {
    reminderDue: "Rappel : {name} — « {text} »",
    reminderDueNoText: "Rappel : un message de {name}",
    reminderTitle: "Rappel : {name}",
    reminderOpen: "Ouvrir",
    reminderDismiss: "Fermer",
    reminderNotices: "Rappels arrivés à échéance",
  },
  he: {
    reminderDue: "תזכורת: {name} – ״{text}״",
    reminderDueNoText: "תזכורת: הודעה מ{name}",
    reminderTitle: "תזכורת: {name}",
    reminderOpen: "פתיחה",
    reminderDismiss: "סגירה",
    reminderNotices: "תזכורות שהגיע זמנן",
  },
  hi: {
    reminderDue: "रिमाइंडर: {name} — “{text}”",
    reminderDueNoText: "रिमाइंडर: {name} का एक संदेश",
    reminderTitle: "रिमाइंडर: {name}",
    reminderOpen: "खोलें",
    reminderDismiss: "हटाएँ",
    reminderNotices: "जिन रिमाइंडर का समय हो गया",
  },
  it: {
    reminderDue: "Promemoria: {name} — «{text}»",
    reminderDueNoText: "Promemoria: un messaggio di {name}",
    reminderTitle: "Promemoria: {name}",
    reminderOpen: "Apri",
    reminderDismiss: "Chiudi",
    reminderNotices: "Promemoria scaduti",
  },
  ja: {
    reminderDue: "リマインダー: {name}「{text}」",
    reminderDueNoText: "リマインダー: {name}さんからのメッセージ",
    reminderTitle: "リマインダー: {name}",
    reminderOpen: "開く",
    reminderDismiss: "閉じる",
    reminderNotices: "時間になったリマインダー",
  },
  ko: {
    reminderDue: "리마인더: {name} — “{text}”",
    reminderDueNoText: "리마인더: {name}님의 메시지",
    reminderTitle: "리마인더: {name}",
    reminderOpen: "열기",
    reminderDismiss: "닫기",
    reminderNotices: "알림 시간이 된 리마인더",
  },
  nl: {
    reminderDue: "Herinnering: {name} – ‘{text}’",
    reminderDueNoText: "Herinnering: een bericht van {name}",
    reminderTitle: "Herinnering: {name}",
    reminderOpen: "Openen",
    reminderDismiss: "Sluiten",
    reminderNotices: "Herinneringen",
  },
  pl: {
    reminderDue: "Przypomnienie: {name} – „{text}”",
    reminderDueNoText: "Przypomnienie: wiadomość od: {name}",
    reminderTitle: "Przypomnienie: {name}",
    reminderOpen: "Otwórz",
    reminderDismiss: "Zamknij",
    reminderNotices: "Przypomnienia",
  },
  "pt-BR": {
    reminderDue: "Lembrete: {name} — “{text}”",
    reminderDueNoText: "Lembrete: uma mensagem de {name}",
    reminderTitle: "Lembrete: {name}",
    reminderOpen: "Abrir",
    reminderDismiss: "Fechar",
    reminderNotices: "Lembretes",
  },
  ru: {
    reminderDue: "Напоминание: {name} — «{text}»",
    reminderDueNoText: "Напоминание: сообщение от {name}",
    reminderTitle: "Напоминание: {name}",
    reminderOpen: "Открыть",
    reminderDismiss: "Закрыть",
    reminderNotices: "Напоминания",
  },
  tr: {
    reminderDue: "Hatırlatıcı: {name} — “{text}”",
    reminderDueNoText: "Hatırlatıcı: {name} adlı kişiden bir mesaj",
    reminderTitle: "Hatırlatıcı: {name}",
    reminderOpen: "Aç",
    reminderDismiss: "Kapat",
    reminderNotices: "Zamanı gelen hatırlatıcılar",
  },
  "zh-CN": {
    reminderDue: "提醒：{name}——“{text}”",
    reminderDueNoText: "提醒：{name} 的一条消息",
    reminderTitle: "提醒：{name}",
    reminderOpen: "打开",
    reminderDismiss: "关闭",
    reminderNotices: "到期的提醒",
  },
};
