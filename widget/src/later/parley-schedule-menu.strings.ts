/**
 * The schedule menu beside Send (issue 55; parley-schedule-menu.ts): its choices, its date and time
 * form and what it says. Every language is here, fetched with the menu at its first press; the
 * button's name and the form's field label are the scheduled list's (parley-scheduled.strings.ts).
 * A host overrides any of them like the others (`strings`).
 */
export const SCHEDULE_MENU_EN = {
  /** The menu's choices; the first two show their time beside them. */
  scheduleLaterToday: "Later today",
  scheduleTomorrow: "Tomorrow morning",
  schedulePick: "Pick a date and time",
  /** The form's button. */
  scheduleSubmit: "Schedule",
  /** A choice made with nothing in the message box. */
  scheduleEmpty: "Write a message first, then schedule it.",
  /** Said once it is scheduled ({time}: its date and time). */
  scheduleDone: "Scheduled for {time}",
};
export type ScheduleMenuStrings = typeof SCHEDULE_MENU_EN;

export const SCHEDULE_MENU_LOCALES: Record<string, ScheduleMenuStrings> = {
  ar: {
    scheduleLaterToday: "لاحقًا اليوم",
    scheduleTomorrow: "صباح الغد",
    schedulePick: "اختيار التاريخ والوقت",
    scheduleSubmit: "جدولة",
    scheduleEmpty: "اكتب الرسالة أولًا، ثم جدوِلها.",
    scheduleDone: "ستُرسَل في {time}",
  },
  de: {
    scheduleLaterToday: "Später heute",
    scheduleTomorrow: "Morgen früh",
    schedulePick: "Datum und Uhrzeit wählen",
    scheduleSubmit: "Planen",
    scheduleEmpty: "Schreib zuerst eine Nachricht und plane sie dann.",
    scheduleDone: "Geplant für {time}",
  },
  es: {
    scheduleLaterToday: "Hoy, más tarde",
    scheduleTomorrow: "Mañana por la mañana",
    schedulePick: "Elegir fecha y hora",
    scheduleSubmit: "Programar",
    scheduleEmpty: "Escribe primero el mensaje y luego prográmalo.",
    scheduleDone: "Programado para el {time}",
  },
  fr: {
    scheduleLaterToday: "Plus tard aujourd’hui",
    scheduleTomorrow: "Demain matin",
    schedulePick: "Choisir une date et une heure",
    scheduleSubmit: "Programmer",
    scheduleEmpty: "Écrivez d’abord le message, puis programmez-le.",
    scheduleDone: "Programmé pour le {time}",
  },
  he: {
    scheduleLaterToday: "מאוחר יותר היום",
    scheduleTomorrow: "מחר בבוקר",
    schedulePick: "בחירת תאריך ושעה",
    scheduleSubmit: "תזמון",
    scheduleEmpty: "קודם כותבים הודעה, ואז מתזמנים אותה.",
    scheduleDone: "תוזמנה ל-{time}",
  },
  hi: {
    scheduleLaterToday: "आज थोड़ी देर बाद",
    scheduleTomorrow: "कल सुबह",
    schedulePick: "तारीख और समय चुनें",
    scheduleSubmit: "शेड्यूल करें",
    scheduleEmpty: "पहले मैसेज लिखें, फिर उसे शेड्यूल करें।",
    scheduleDone: "{time} के लिए शेड्यूल हो गया",
  },
  it: {
    scheduleLaterToday: "Più tardi oggi",
    scheduleTomorrow: "Domani mattina",
    schedulePick: "Scegli data e ora",
    scheduleSubmit: "Programma",
    scheduleEmpty: "Scrivi prima il messaggio, poi programmalo.",
    scheduleDone: "Programmato per {time}",
  },
  ja: {
    scheduleLaterToday: "今日のあとで",
    scheduleTomorrow: "明日の朝",
    schedulePick: "日時を指定",
    scheduleSubmit: "予約する",
    scheduleEmpty: "先にメッセージを入力してから予約してください。",
    scheduleDone: "{time}に送信を予約しました",
  },
  ko: {
    scheduleLaterToday: "오늘 이따가",
    scheduleTomorrow: "내일 아침",
    schedulePick: "날짜와 시간 선택",
    scheduleSubmit: "예약",
    scheduleEmpty: "먼저 메시지를 쓴 다음 예약해 주세요.",
    scheduleDone: "{time}에 보내도록 예약했어요",
  },
  nl: {
    scheduleLaterToday: "Later vandaag",
    scheduleTomorrow: "Morgenochtend",
    schedulePick: "Datum en tijd kiezen",
    scheduleSubmit: "Inplannen",
    scheduleEmpty: "Schrijf eerst een bericht en plan het daarna in.",
    scheduleDone: "Ingepland voor {time}",
  },
  pl: {
    scheduleLaterToday: "Później dzisiaj",
    scheduleTomorrow: "Jutro rano",
    schedulePick: "Wybierz datę i godzinę",
    scheduleSubmit: "Zaplanuj",
    scheduleEmpty: "Najpierw napisz wiadomość, a potem ją zaplanuj.",
    scheduleDone: "Zaplanowano na {time}",
  },
  "pt-BR": {
    scheduleLaterToday: "Mais tarde hoje",
    scheduleTomorrow: "Amanhã de manhã",
    schedulePick: "Escolher data e hora",
    scheduleSubmit: "Agendar",
    scheduleEmpty: "Escreva a mensagem primeiro e depois agende.",
    scheduleDone: "Agendada para {time}",
  },
  ru: {
    scheduleLaterToday: "Сегодня, но позже",
    scheduleTomorrow: "Завтра утром",
    schedulePick: "Выбрать дату и время",
    scheduleSubmit: "Запланировать",
    scheduleEmpty: "Сначала напишите сообщение, а потом запланируйте его.",
    scheduleDone: "Запланировано на {time}",
  },
  tr: {
    scheduleLaterToday: "Bugün daha sonra",
    scheduleTomorrow: "Yarın sabah",
    schedulePick: "Tarih ve saat seç",
    scheduleSubmit: "Zamanla",
    scheduleEmpty: "Önce mesajı yazın, sonra zamanlayın.",
    scheduleDone: "{time} için zamanlandı",
  },
  "zh-CN": {
    scheduleLaterToday: "今天稍晚",
    scheduleTomorrow: "明天早上",
    schedulePick: "选择日期和时间",
    scheduleSubmit: "定时发送",
    scheduleEmpty: "请先写好消息，再设置定时发送。",
    scheduleDone: "将于 {time} 发送",
  },
};
