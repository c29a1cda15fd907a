/** The chosen language, remembered across visits, and the formatters bound to it. */

import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { LANGUAGES, type Language } from '../api/types';
import * as format from './format';
import { type MessageKey, type Params, type PluralKey, label, plural, translate } from './messages';

export const LANGUAGE_KEY = 'finestra.language';

export interface I18n {
  readonly language: Language;
  readonly setLanguage: (language: Language) => void;
  readonly t: (key: MessageKey, params?: Params) => string;
  readonly count: (stem: PluralKey, count: number) => string;
  readonly word: (prefix: string, value: string) => string;
  readonly dateTime: (iso: string) => string;
  readonly time: (iso: string) => string;
  readonly date: (iso: string) => string;
  readonly coordinates: (lat: number, lon: number) => string;
  readonly relative: (iso: string, now?: Date) => string;
  readonly duration: (seconds: number) => string;
  readonly number: (value: number) => string;
  readonly cost: (euros: number) => string;
  readonly distance: (metres: number) => string;
  readonly bytes: (bytes: number) => string;
  readonly list: (items: readonly string[]) => string;
}

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The remembered language, else the browser's first known one, else Catalan. */
export function initialLanguage(storage: Pick<Storage, 'getItem'>, preferred: readonly string[]): Language {
  const stored = storage.getItem(LANGUAGE_KEY);
  if (isLanguage(stored)) {
    return stored;
  }
  const found = preferred.map((tag) => tag.slice(0, 2).toLowerCase()).find(isLanguage);
  return found ?? 'ca';
}

/** Every translation and format helper for one language. */
export function i18nFor(language: Language, setLanguage: (language: Language) => void): I18n {
  return {
    language,
    setLanguage,
    t: (key, params) => translate(language, key, params),
    count: (stem, n) => plural(language, stem, n, format.formatNumber(n, language)),
    word: (prefix, value) => label(language, prefix, value),
    dateTime: (iso) => format.formatDateTime(iso, language),
    time: (iso) => format.formatTime(iso, language),
    date: (iso) => format.formatDate(iso, language),
    coordinates: (lat, lon) => format.formatCoordinates(lat, lon, language),
    relative: (iso, now = new Date()) => format.formatRelative(iso, now, language),
    duration: (seconds) => format.formatDuration(seconds, language),
    number: (value) => format.formatNumber(value, language),
    cost: (euros) => format.formatCost(euros, language),
    distance: (metres) => format.formatDistance(metres, language),
    bytes: (size) => format.formatBytes(size, language),
    list: (items) => format.formatList(items, language),
  };
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [language, setState] = useState<Language>(() =>
    initialLanguage(window.localStorage, navigator.languages),
  );
  const setLanguage = useCallback((next: Language) => {
    window.localStorage.setItem(LANGUAGE_KEY, next);
    setState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${translate(language, 'app.name')} · ${translate(language, 'app.tagline')}`;
  }, [language]);
  const value = useMemo(() => i18nFor(language, setLanguage), [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language's helpers; only inside {@link I18nProvider}. */
export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) {
    throw new Error('useI18n outside I18nProvider');
  }
  return value;
}
