/**
 * The few sentences of an unread-messages e-mail, in English and the widget's fifteen other
 * locales (widget/src/i18n/locales). `{app}`, `{name}` and `{names}` are filled in by
 * email.render.ts (escaped there for HTML). A user without a locale, or with one not here, reads English.
 */
export interface EmailStrings {
  /** The Subject line. */
  subject: string;
  /** The opening line, before the list of conversations. */
  intro: string;
  /** Under a conversation's name: who wrote there. */
  from: string;
  /** The link's words. */
  open: string;
  /** Why this e-mail came. */
  footer: string;
  /** The unsubscribe link's words. */
  unsubscribe: string;
}

export const EMAIL_STRINGS = {
  en: {
    subject: "New messages on {app}",
    intro: "Hi {name}, messages arrived while you were away:",
    from: "From {names}",
    open: "Open the conversation",
    footer: "You are getting this e-mail because you have unread messages on {app}.",
    unsubscribe: "Unsubscribe",
  },
  ar: {
    subject: "رسائل جديدة على {app}",
    intro: "مرحبًا {name}، وصلتك رسائل أثناء غيابك:",
    from: "من {names}",
    open: "افتح المحادثة",
    footer: "تصلك هذه الرسالة لأن لديك رسائل غير مقروءة على {app}.",
    unsubscribe: "إلغاء الاشتراك",
  },
  de: {
    subject: "Neue Nachrichten auf {app}",
    intro: "Hallo {name}, während du weg warst, sind Nachrichten eingegangen:",
    from: "Von {names}",
    open: "Unterhaltung öffnen",
    footer: "Du erhältst diese E-Mail, weil du ungelesene Nachrichten auf {app} hast.",
    unsubscribe: "Abmelden",
  },
  es: {
    subject: "Mensajes nuevos en {app}",
    intro: "Hola, {name}: te llegaron mensajes mientras no estabas:",
    from: "De {names}",
    open: "Abrir la conversación",
    footer: "Recibes este correo porque tienes mensajes sin leer en {app}.",
    unsubscribe: "Darse de baja",
  },
  fr: {
    subject: "Nouveaux messages sur {app}",
    intro: "Bonjour {name}, vous avez reçu des messages pendant votre absence :",
    from: "De {names}",
    open: "Ouvrir la conversation",
    footer: "Vous recevez cet e-mail car vous avez des messages non lus sur {app}.",
    unsubscribe: "Se désabonner",
  },
  he: {
    subject: "הודעות חדשות ב־{app}",
    intro: "שלום {name}, התקבלו הודעות בזמן היעדרותך:",
    from: "מאת {names}",
    open: "לפתיחת השיחה",
    footer: "הודעה זו נשלחה אליך כי יש לך הודעות שלא נקראו ב־{app}.",
    unsubscribe: "הסרה מרשימת התפוצה",
  },
  hi: {
    subject: "{app} पर नए संदेश",
    intro: "नमस्ते {name}, आपकी अनुपस्थिति में संदेश आए हैं:",
    from: "{names} से",
    open: "बातचीत खोलें",
    footer: "आपको यह ईमेल इसलिए मिला है क्योंकि {app} पर आपके अपठित संदेश हैं।",
    unsubscribe: "सदस्यता छोड़ें",
  },
  it: {
    subject: "Nuovi messaggi su {app}",
    intro: "Ciao {name}, mentre eri via sono arrivati dei messaggi:",
    from: "Da {names}",
    open: "Apri la conversazione",
    footer: "Ricevi questa e-mail perché hai messaggi non letti su {app}.",
    unsubscribe: "Annulla l'iscrizione",
  },
  ja: {
    subject: "{app} に新しいメッセージがあります",
    intro: "{name} さん、不在の間にメッセージが届きました。",
    from: "送信者: {names}",
    open: "会話を開く",
    footer: "{app} に未読のメッセージがあるため、このメールをお送りしています。",
    unsubscribe: "配信停止",
  },
  ko: {
    subject: "{app}에 새 메시지가 있습니다",
    intro: "{name}님, 자리를 비우신 사이에 메시지가 도착했습니다.",
    from: "보낸 사람: {names}",
    open: "대화 열기",
    footer: "{app}에 읽지 않은 메시지가 있어 이 이메일을 보내 드립니다.",
    unsubscribe: "수신 거부",
  },
  nl: {
    subject: "Nieuwe berichten op {app}",
    intro: "Hoi {name}, er zijn berichten binnengekomen terwijl je weg was:",
    from: "Van {names}",
    open: "Gesprek openen",
    footer: "Je ontvangt deze e-mail omdat je ongelezen berichten hebt op {app}.",
    unsubscribe: "Afmelden",
  },
  pl: {
    subject: "Nowe wiadomości w {app}",
    intro: "Cześć {name}, podczas Twojej nieobecności przyszły wiadomości:",
    from: "Od: {names}",
    open: "Otwórz rozmowę",
    footer: "Otrzymujesz tę wiadomość, ponieważ masz nieprzeczytane wiadomości w {app}.",
    unsubscribe: "Wypisz się",
  },
  "pt-BR": {
    subject: "Novas mensagens em {app}",
    intro: "Olá, {name}! Chegaram mensagens enquanto você estava fora:",
    from: "De {names}",
    open: "Abrir a conversa",
    footer: "Você está recebendo este e-mail porque tem mensagens não lidas em {app}.",
    unsubscribe: "Cancelar inscrição",
  },
  ru: {
    subject: "Новые сообщения в {app}",
    intro: "Здравствуйте, {name}! Пока вас не было, пришли сообщения:",
    from: "От: {names}",
    open: "Открыть переписку",
    footer: "Вы получили это письмо, потому что у вас есть непрочитанные сообщения в {app}.",
    unsubscribe: "Отписаться",
  },
  tr: {
    subject: "{app} üzerinde yeni mesajlar",
    intro: "Merhaba {name}, siz yokken mesajlar geldi:",
    from: "Gönderen: {names}",
    open: "Sohbeti aç",
    footer: "Bu e-postayı, {app} üzerinde okunmamış mesajlarınız olduğu için alıyorsunuz.",
    unsubscribe: "Abonelikten çık",
  },
  "zh-CN": {
    subject: "{app} 上有新消息",
    intro: "{name}，你离开期间收到了新消息：",
    from: "来自 {names}",
    open: "打开对话",
    footer: "你收到这封邮件，是因为你在 {app} 上有未读消息。",
    unsubscribe: "退订",
  },
} as const satisfies Record<string, EmailStrings>;

export type EmailLocale = keyof typeof EMAIL_STRINGS;
export const EMAIL_LOCALES = Object.keys(EMAIL_STRINGS) as EmailLocale[];
/** Written right to left. */
export const RTL_LOCALES: ReadonlySet<string> = new Set(["ar", "he"]);

/** The locale to write in: the user's own when there is a table for it (`pt-br` and `pt-BR` alike, `de-AT` as `de`), else English. */
export function localeOf(wanted: string | null | undefined): EmailLocale {
  if (!wanted) return "en";
  const exact = EMAIL_LOCALES.find((l) => l.toLowerCase() === wanted.toLowerCase());
  if (exact) return exact;
  const base = wanted.split("-")[0]!.toLowerCase();
  return EMAIL_LOCALES.find((l) => l.toLowerCase() === base) ?? "en";
}
