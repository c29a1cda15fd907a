/** The citizen pages' words in Catalan, Spanish and English: a catalogue of their own, so the pages stay small. */

export const CITIZEN_LANGUAGES = ['ca', 'es', 'en'] as const;
export type CitizenLanguage = (typeof CITIZEN_LANGUAGES)[number];

const en = {
  city: 'Barcelona City Council',
  language: 'Language',
  loading: 'Loading…',
  'survey.title': 'Your opinion',
  'survey.intro': 'Thank you for taking a minute. Your answers help the city improve its services.',
  'survey.required': 'Choose an answer to every rating and choice question.',
  'survey.rating': '{n} of 5',
  'survey.ratingLow': '1: very bad',
  'survey.ratingHigh': '5: very good',
  'survey.textHint': 'Optional. Do not write personal data here.',
  'survey.submit': 'Send my answers',
  'survey.sending': 'Sending…',
  'survey.thanks': 'Thank you: your answers have been received.',
  'link.missing': 'This link is not complete. Open it again from the message you received.',
  'link.used': 'This link has already been used: each link answers once.',
  'link.expired': 'This link has expired.',
  'link.forged': 'This link is not valid. Open it again from the message you received.',
  'link.failed': 'Something went wrong. Try again in a few minutes.',
  'unsubscribe.title': 'Stop these messages',
  'unsubscribe.intro': 'Press the button and the city will not send you this kind of message any more. Messages about your own requests keep coming.',
  'unsubscribe.button': 'Unsubscribe',
  'unsubscribe.sending': 'Unsubscribing…',
  'unsubscribe.done': 'Done: you will not receive these messages any more.',
};

export type CitizenKey = keyof typeof en;

const ca: Readonly<Record<CitizenKey, string>> = {
  city: 'Ajuntament de Barcelona',
  language: 'Llengua',
  loading: 'S’està carregant…',
  'survey.title': 'La vostra opinió',
  'survey.intro': 'Gràcies per dedicar-hi un minut. Les vostres respostes ajuden la ciutat a millorar els seus serveis.',
  'survey.required': 'Trieu una resposta a cada pregunta de valoració i d’opcions.',
  'survey.rating': '{n} de 5',
  'survey.ratingLow': '1: molt malament',
  'survey.ratingHigh': '5: molt bé',
  'survey.textHint': 'Opcional. No hi escriviu dades personals.',
  'survey.submit': 'Envia les respostes',
  'survey.sending': 'S’està enviant…',
  'survey.thanks': 'Gràcies: hem rebut les vostres respostes.',
  'link.missing': 'Aquest enllaç no és complet. Torneu-lo a obrir des del missatge que heu rebut.',
  'link.used': 'Aquest enllaç ja s’ha fet servir: cada enllaç respon una sola vegada.',
  'link.expired': 'Aquest enllaç ha caducat.',
  'link.forged': 'Aquest enllaç no és vàlid. Torneu-lo a obrir des del missatge que heu rebut.',
  'link.failed': 'Alguna cosa ha fallat. Torneu-ho a provar d’aquí a uns minuts.',
  'unsubscribe.title': 'Deixar de rebre aquests missatges',
  'unsubscribe.intro': 'Premeu el botó i la ciutat no us enviarà més missatges d’aquest tipus. Els missatges sobre les vostres sol·licituds continuaran arribant.',
  'unsubscribe.button': 'Dona’m de baixa',
  'unsubscribe.sending': 'S’està tramitant la baixa…',
  'unsubscribe.done': 'Fet: ja no rebreu aquests missatges.',
};

const es: Readonly<Record<CitizenKey, string>> = {
  city: 'Ayuntamiento de Barcelona',
  language: 'Idioma',
  loading: 'Cargando…',
  'survey.title': 'Su opinión',
  'survey.intro': 'Gracias por dedicarle un minuto. Sus respuestas ayudan a la ciudad a mejorar sus servicios.',
  'survey.required': 'Elija una respuesta en cada pregunta de valoración y de opciones.',
  'survey.rating': '{n} de 5',
  'survey.ratingLow': '1: muy mal',
  'survey.ratingHigh': '5: muy bien',
  'survey.textHint': 'Opcional. No escriba aquí datos personales.',
  'survey.submit': 'Enviar mis respuestas',
  'survey.sending': 'Enviando…',
  'survey.thanks': 'Gracias: hemos recibido sus respuestas.',
  'link.missing': 'Este enlace no está completo. Vuelva a abrirlo desde el mensaje que ha recibido.',
  'link.used': 'Este enlace ya se ha usado: cada enlace responde una sola vez.',
  'link.expired': 'Este enlace ha caducado.',
  'link.forged': 'Este enlace no es válido. Vuelva a abrirlo desde el mensaje que ha recibido.',
  'link.failed': 'Algo ha fallado. Vuelva a probarlo dentro de unos minutos.',
  'unsubscribe.title': 'Dejar de recibir estos mensajes',
  'unsubscribe.intro': 'Pulse el botón y la ciudad no le enviará más mensajes de este tipo. Los mensajes sobre sus solicitudes seguirán llegando.',
  'unsubscribe.button': 'Darme de baja',
  'unsubscribe.sending': 'Tramitando la baja…',
  'unsubscribe.done': 'Hecho: ya no recibirá estos mensajes.',
};

const CATALOGUES: Readonly<Record<CitizenLanguage, Readonly<Record<CitizenKey, string>>>> = { ca, es, en };

export const LANGUAGE_NAMES: Readonly<Record<CitizenLanguage, string>> = { ca: 'Català', es: 'Español', en: 'English' };

export function isCitizenLanguage(value: unknown): value is CitizenLanguage {
  return typeof value === 'string' && (CITIZEN_LANGUAGES as readonly string[]).includes(value);
}

/** The message for `key` in `language`, each `{name}` replaced by its param. */
export function say(language: CitizenLanguage, key: CitizenKey, params: Readonly<Record<string, string | number>> = {}): string {
  return CATALOGUES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The link's token from `#t=<token>`, or null. */
export function tokenOf(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('t');
  return token && token.trim() !== '' ? token.trim() : null;
}

export type LinkProblem = 'used' | 'expired' | 'forged' | 'failed';

/** What a refused link's answer means: used, expired, not the city's, or a failure. */
export function problemOf(status: number, code: string | null): LinkProblem {
  if (code === 'link_used' || code === 'already_answered') {
    return 'used';
  }
  if (code === 'link_expired') {
    return 'expired';
  }
  if (status === 410) {
    return 'used';
  }
  if (status === 400 || status === 401 || status === 403 || status === 404 || status === 422) {
    return 'forged';
  }
  return 'failed';
}

/** The language the page starts in: the link's when given, else the browser's, else Catalan. */
export function startLanguage(preferred: readonly string[], linkLanguage: string | null = null): CitizenLanguage {
  if (isCitizenLanguage(linkLanguage)) {
    return linkLanguage;
  }
  return preferred.map((tag) => tag.slice(0, 2).toLowerCase()).find(isCitizenLanguage) ?? 'ca';
}
