/**
 * The app's model in a conversation's details (issue 54; parley-ai-tools.ts): summaries and
 * "Translate new messages". Every language is here, fetched with the chunk where the app turned
 * them on. A host overrides any of them like the others (`strings`).
 */
export const AI_TOOLS_EN = {
  /** Each new message from others is translated as it comes (this device). */
  aiAutoTranslate: "Translate new messages",
  /** What the visitor has not read, summarized by the app's model. */
  aiSummarize: "Summarize what I haven't read",
  aiSummarizing: "Summarizing…",
  /** Over the summary ({count}: how many messages it covers). */
  aiSummaryOf: "Summary of the last messages ({count})",
};
export type AiToolsStrings = typeof AI_TOOLS_EN;

export const AI_TOOLS_LOCALES: Record<string, AiToolsStrings> = {
  ar: {
    aiAutoTranslate: "ترجمة الرسائل الجديدة",
    aiSummarize: "تلخيص ما لم أقرأه",
    aiSummarizing: "جارٍ التلخيص…",
    aiSummaryOf: "ملخّص آخر الرسائل ({count})",
  },
  de: {
    aiAutoTranslate: "Neue Nachrichten übersetzen",
    aiSummarize: "Zusammenfassen, was ich nicht gelesen habe",
    aiSummarizing: "Wird zusammengefasst…",
    aiSummaryOf: "Zusammenfassung der letzten Nachrichten ({count})",
  },
  es: {
    aiAutoTranslate: "Traducir los mensajes nuevos",
    aiSummarize: "Resumir lo que no he leído",
    aiSummarizing: "Resumiendo…",
    aiSummaryOf: "Resumen de los últimos mensajes ({count})",
  },
  fr: {
    aiAutoTranslate: "Traduire les nouveaux messages",
    aiSummarize: "Résumer ce que je n’ai pas lu",
    aiSummarizing: "Résumé en cours…",
    aiSummaryOf: "Résumé des derniers messages ({count})",
  },
  he: {
    aiAutoTranslate: "תרגום הודעות חדשות",
    aiSummarize: "סיכום מה שלא קראתי",
    aiSummarizing: "מסכם…",
    aiSummaryOf: "סיכום ההודעות האחרונות ({count})",
  },
  hi: {
    aiAutoTranslate: "नए संदेशों का अनुवाद करें",
    aiSummarize: "जो मैंने नहीं पढ़ा, उसका सारांश",
    aiSummarizing: "सारांश बन रहा है…",
    aiSummaryOf: "पिछले संदेशों का सारांश ({count})",
  },
  it: {
    aiAutoTranslate: "Traduci i nuovi messaggi",
    aiSummarize: "Riassumi ciò che non ho letto",
    aiSummarizing: "Riassunto in corso…",
    aiSummaryOf: "Riassunto degli ultimi messaggi ({count})",
  },
  ja: {
    aiAutoTranslate: "新しいメッセージを翻訳",
    aiSummarize: "未読のメッセージを要約",
    aiSummarizing: "要約中…",
    aiSummaryOf: "最近のメッセージの要約（{count}件）",
  },
  ko: {
    aiAutoTranslate: "새 메시지 번역",
    aiSummarize: "읽지 않은 메시지 요약",
    aiSummarizing: "요약 중…",
    aiSummaryOf: "최근 메시지 요약({count}개)",
  },
  nl: {
    aiAutoTranslate: "Nieuwe berichten vertalen",
    aiSummarize: "Samenvatten wat ik niet heb gelezen",
    aiSummarizing: "Bezig met samenvatten…",
    aiSummaryOf: "Samenvatting van de laatste berichten ({count})",
  },
  pl: {
    aiAutoTranslate: "Tłumacz nowe wiadomości",
    aiSummarize: "Podsumuj to, czego nie przeczytałem",
    aiSummarizing: "Podsumowywanie…",
    aiSummaryOf: "Podsumowanie ostatnich wiadomości ({count})",
  },
  "pt-BR": {
    aiAutoTranslate: "Traduzir as novas mensagens",
    aiSummarize: "Resumir o que não li",
    aiSummarizing: "Resumindo…",
    aiSummaryOf: "Resumo das últimas mensagens ({count})",
  },
  ru: {
    aiAutoTranslate: "Переводить новые сообщения",
    aiSummarize: "Кратко пересказать непрочитанное",
    aiSummarizing: "Составляю пересказ…",
    aiSummaryOf: "Краткое содержание последних сообщений ({count})",
  },
  tr: {
    aiAutoTranslate: "Yeni mesajları çevir",
    aiSummarize: "Okumadıklarımı özetle",
    aiSummarizing: "Özetleniyor…",
    aiSummaryOf: "Son mesajların özeti ({count})",
  },
  "zh-CN": {
    aiAutoTranslate: "翻译新消息",
    aiSummarize: "总结我未读的内容",
    aiSummarizing: "正在总结…",
    aiSummaryOf: "最近消息摘要（{count} 条）",
  },
};
