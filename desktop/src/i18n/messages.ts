/** The three catalogues and the functions that read them. */

import { ApiError } from '../api/client';
import type { Language } from '../api/types';
import { AuthError } from '../auth/tokens';
import { ca } from './ca';
import { type Catalogue, en, type MessageKey } from './en';
import { es } from './es';
import { pluralOf } from './format';

export type { Catalogue, MessageKey };

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { ca, es, en };

export type Params = Readonly<Record<string, string | number>>;

/** Keys that come in `.one` / `.other` pairs, counted with {@link plural}. */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer Stem}.other` ? Stem : never;
}[MessageKey];

/** The message for `key` in `language`, with each `{name}` replaced by its param. */
export function translate(language: Language, key: MessageKey, params: Params = {}): string {
  return CATALOGUES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The `.one` or `.other` form of `stem` for `count`; `{count}` is the formatted count. */
export function plural(language: Language, stem: PluralKey, count: number, shown: string): string {
  const form = pluralOf(count, language) === 'one' ? 'one' : 'other';
  return translate(language, `${stem}.${form}` as MessageKey, { count: shown });
}

/** A key of the catalogue named by a runtime value, when there is one. */
export function keyOf(prefix: string, value: string): MessageKey | null {
  const key = `${prefix}.${value}`;
  return key in en ? (key as MessageKey) : null;
}

/** A vocabulary word (state, channel, priority…) in `language`, or the raw code if unknown. */
export function label(language: Language, prefix: string, value: string): string {
  const key = keyOf(prefix, value);
  return key ? translate(language, key) : value;
}

/**
 * What to tell the user about a failed call, in their language.
 *
 * The server's own English sentence is never shown: the code picks the message.
 */
export function errorMessage(language: Language, error: unknown): string {
  if (error instanceof AuthError) {
    return translate(language, `signin.error.${error.code}`);
  }
  if (error instanceof ApiError) {
    const key = keyOf('error', error.code);
    if (key) {
      return translate(language, key);
    }
    if (error.status === 409) {
      return translate(language, 'error.conflict');
    }
    if (error.status >= 500) {
      return translate(language, 'error.internal_error');
    }
  }
  return translate(language, 'error.generic');
}
