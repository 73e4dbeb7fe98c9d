/**
 * The profile's list of the visitor's reminders (issue 55, parley-reminders.ts). Every language is
 * here, for the reason parley-remind.strings.ts gives. A host overrides any of them (`strings`).
 */
export const REMINDERS_EN = {
  reminders: "Reminders",
  remindersNone: "No reminders. Set one from a message's menu.",
  remindersFailed: "Your reminders could not be loaded.",
  /** In place of a message's text when it has none or could not be fetched. */
  reminderMessage: "A message",
  /** The Delete button's accessible name ({time}: when it was to remind). */
  reminderDelete: "Delete the reminder for {time}",
  reminderDeleted: "Reminder deleted",
};
export type RemindersStrings = typeof REMINDERS_EN;

export const REMINDERS_LOCALES: Record<string, RemindersStrings> = {
  ar: {
    reminders: "التذكيرات",
    remindersNone: "لا توجد تذكيرات. يمكنك ضبط تذكير من قائمة أي رسالة.",
    remindersFailed: "تعذّر تحميل تذكيراتك.",
    reminderMessage: "رسالة",
    reminderDelete: "حذف تذكير {time}",
    reminderDeleted: "تم حذف التذكير",
  },
  de: {
    reminders: "Erinnerungen",
    remindersNone: "Keine Erinnerungen. Du kannst sie im Menü einer Nachricht setzen.",
    remindersFailed: "Deine Erinnerungen konnten nicht geladen werden.",
    reminderMessage: "Eine Nachricht",
    reminderDelete: "Erinnerung für {time} löschen",
    reminderDeleted: "Erinnerung gelöscht",
  },
  es: {
    reminders: "Recordatorios",
    remindersNone: "No tienes recordatorios. Crea uno desde el menú de un mensaje.",
    remindersFailed: "No se pudieron cargar tus recordatorios.",
    reminderMessage: "Un mensaje",
    reminderDelete: "Eliminar el recordatorio del {time}",
    reminderDeleted: "Recordatorio eliminado",
  },
  fr: {
    reminders: "Rappels",
    remindersNone: "Aucun rappel. Créez-en un depuis le menu d’un message.",
    remindersFailed: "Impossible de charger vos rappels.",
    reminderMessage: "Un message",
    reminderDelete: "Supprimer le rappel du {time}",
    reminderDeleted: "Rappel supprimé",
  },
  he: {
    reminders: "תזכורות",
    remindersNone: "אין תזכורות. אפשר להגדיר תזכורת מהתפריט של הודעה.",
    remindersFailed: "לא ניתן היה לטעון את התזכורות שלך.",
    reminderMessage: "הודעה",
    reminderDelete: "מחיקת התזכורת ל־{time}",
    reminderDeleted: "התזכורת נמחקה",
  },
  hi: {
    reminders: "रिमाइंडर",
    remindersNone: "कोई रिमाइंडर नहीं है। किसी संदेश के मेन्यू से रिमाइंडर सेट करें।",
    remindersFailed: "आपके रिमाइंडर लोड नहीं हो सके।",
    reminderMessage: "एक संदेश",
    reminderDelete: "{time} का रिमाइंडर हटाएँ",
    reminderDeleted: "रिमाइंडर हटा दिया गया",
  },
  it: {
    reminders: "Promemoria",
    remindersNone: "Nessun promemoria. Puoi impostarne uno dal menu di un messaggio.",
    remindersFailed: "Non è stato possibile caricare i tuoi promemoria.",
    reminderMessage: "Un messaggio",
    reminderDelete: "Elimina il promemoria del {time}",
    reminderDeleted: "Promemoria eliminato",
  },
  ja: {
    reminders: "リマインダー",
    remindersNone: "リマインダーはありません。メッセージのメニューから設定できます。",
    remindersFailed: "リマインダーを読み込めませんでした。",
    reminderMessage: "メッセージ",
    reminderDelete: "{time}のリマインダーを削除",
    reminderDeleted: "リマインダーを削除しました",
  },
  ko: {
    reminders: "리마인더",
    remindersNone: "리마인더가 없어요. 메시지 메뉴에서 설정할 수 있어요.",
    remindersFailed: "리마인더를 불러오지 못했어요.",
    reminderMessage: "메시지",
    reminderDelete: "{time} 리마인더 삭제",
    reminderDeleted: "리마인더를 삭제했어요",
  },
  nl: {
    reminders: "Herinneringen",
    remindersNone: "Geen herinneringen. Stel er een in via het menu van een bericht.",
    remindersFailed: "Je herinneringen konden niet worden geladen.",
    reminderMessage: "Een bericht",
    reminderDelete: "Herinnering voor {time} verwijderen",
    reminderDeleted: "Herinnering verwijderd",
  },
  pl: {
    reminders: "Przypomnienia",
    remindersNone: "Brak przypomnień. Ustawisz je w menu wiadomości.",
    remindersFailed: "Nie udało się wczytać przypomnień.",
    reminderMessage: "Wiadomość",
    reminderDelete: "Usuń przypomnienie na {time}",
    reminderDeleted: "Przypomnienie usunięte",
  },
  "pt-BR": {
    reminders: "Lembretes",
    remindersNone: "Nenhum lembrete. Crie um pelo menu de uma mensagem.",
    remindersFailed: "Não foi possível carregar seus lembretes.",
    reminderMessage: "Uma mensagem",
    reminderDelete: "Excluir o lembrete de {time}",
    reminderDeleted: "Lembrete excluído",
  },
  ru: {
    reminders: "Напоминания",
    remindersNone: "Напоминаний нет. Их можно установить в меню сообщения.",
    remindersFailed: "Не удалось загрузить напоминания.",
    reminderMessage: "Сообщение",
    reminderDelete: "Удалить напоминание на {time}",
    reminderDeleted: "Напоминание удалено",
  },
  tr: {
    reminders: "Hatırlatıcılar",
    remindersNone: "Hatırlatıcı yok. Bir mesajın menüsünden kurabilirsiniz.",
    remindersFailed: "Hatırlatıcılarınız yüklenemedi.",
    reminderMessage: "Bir mesaj",
    reminderDelete: "{time} hatırlatıcısını sil",
    reminderDeleted: "Hatırlatıcı silindi",
  },
  "zh-CN": {
    reminders: "提醒",
    remindersNone: "暂无提醒。可在消息菜单中设置。",
    remindersFailed: "无法加载你的提醒。",
    reminderMessage: "一条消息",
    reminderDelete: "删除 {time} 的提醒",
    reminderDeleted: "提醒已删除",
  },
};
