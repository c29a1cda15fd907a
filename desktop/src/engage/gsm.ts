/**
 * How a text travels as an SMS, worked out in the browser as the back end's `sms_text`
 * does: GSM-7 when every character is in the GSM 03.38 alphabet or its extension table,
 * UCS-2 otherwise; the characters that force UCS-2; and the text reworded for GSM-7.
 */

import type { Encoding } from '../api/types';

const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM7_SINGLE = 160;
const GSM7_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

/** Letters and signs of Catalan and Spanish text GSM-7 lacks, and their closest GSM-7 form. */
const CLOSEST: Readonly<Record<string, string>> = {
  á: 'a', í: 'i', ó: 'o', ú: 'u', ç: 'c', ï: 'i', â: 'a', ê: 'e', î: 'i', ô: 'o', û: 'u', ë: 'e',
  Á: 'A', À: 'A', È: 'E', Í: 'I', Ì: 'I', Ï: 'I', Ó: 'O', Ò: 'O', Ú: 'U', Ù: 'U',
  ŀ: 'l', Ŀ: 'L', º: 'o', ª: 'a', '·': '.',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '`': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '«': '"', '»': '"',
  '\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2026': '...',
  '\u00a0': ' ', '\u202f': ' ', '\t': ' ',
};
const GEMINATE_L = /(?<=[lL])[\u00b7\u2027\u22c5\u2022](?=[lL])/g;

export interface SmsMeasure {
  readonly encoding: Encoding;
  /** Septets for GSM-7 (an extension character is two), UTF-16 code units for UCS-2. */
  readonly characters: number;
  readonly segments: number;
  /** The distinct characters that make the text UCS-2, in the order they first appear. */
  readonly offending: readonly string[];
}

function isGsm(character: string): boolean {
  return GSM7_BASIC.has(character) || GSM7_EXTENSION.has(character);
}

function parts(sizes: readonly number[], perPart: number): number {
  let count = 1;
  let room = perPart;
  for (const size of sizes) {
    if (size > room) {
      count += 1;
      room = perPart;
    }
    room -= size;
  }
  return count;
}

/** The encoding, length and segments of `text` sent as one SMS, and what forces UCS-2. */
export function measureSms(text: string): SmsMeasure {
  const characters = [...text];
  const offending = [...new Set(characters.filter((character) => !isGsm(character)))];
  const encoding: Encoding = offending.length === 0 ? 'GSM-7' : 'UCS-2';
  const sizes =
    encoding === 'GSM-7'
      ? characters.map((character) => (GSM7_EXTENSION.has(character) ? 2 : 1))
      : characters.map((character) => character.length);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const single = encoding === 'GSM-7' ? GSM7_SINGLE : UCS2_SINGLE;
  const perPart = encoding === 'GSM-7' ? GSM7_PART : UCS2_PART;
  const segments = total === 0 ? 0 : total <= single ? 1 : parts(sizes, perPart);
  return { encoding, characters: total, segments, offending };
}

function closest(character: string): string {
  if (isGsm(character)) {
    return character;
  }
  const known = CLOSEST[character];
  if (known !== undefined) {
    return known;
  }
  const bare = character.normalize('NFKD').replace(/\p{M}/gu, '');
  return bare !== '' && [...bare].every(isGsm) ? bare : character;
}

/** `text` reworded with the closest GSM-7 letters; what has no GSM-7 form is kept. */
export function gsmSafe(text: string): string {
  return [...text.replace(GEMINATE_L, '')].map(closest).join('');
}

/** `text` cut into runs, each marked when its characters force UCS-2, for highlighting. */
export function markOffending(text: string): readonly { readonly text: string; readonly offending: boolean }[] {
  const runs: { text: string; offending: boolean }[] = [];
  for (const character of text) {
    const offending = !isGsm(character);
    const last = runs.at(-1);
    if (last && last.offending === offending) {
      last.text += character;
    } else {
      runs.push({ text: character, offending });
    }
  }
  return runs;
}
