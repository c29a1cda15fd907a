import { describe, expect, it } from 'vitest';

import { gsmSafe, markOffending, measureSms } from './gsm';

describe('measureSms', () => {
  it('counts a plain message as one GSM-7 segment', () => {
    expect(measureSms('Hola, el carrer està net.')).toEqual({ encoding: 'GSM-7', characters: 25, segments: 1, offending: [] });
  });

  it('names the Catalan letters that force UCS-2', () => {
    const measure = measureSms('Col·labora amb la votació del pressupost participatiu.');
    expect(measure.encoding).toBe('UCS-2');
    expect(measure.offending).toEqual(['·', 'ó']);
    expect(measure.segments).toBe(1);
  });

  it('splits a long UCS-2 message into parts of 67', () => {
    const text = `ó${'a'.repeat(70)}`;
    expect(measureSms(text)).toMatchObject({ characters: 71, segments: 2 });
  });

  it('counts an extension character as two septets', () => {
    expect(measureSms('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(measureSms('€'.repeat(81))).toMatchObject({ characters: 162, segments: 2 });
  });

  it('costs nothing for an empty text', () => {
    expect(measureSms('')).toMatchObject({ segments: 0, characters: 0 });
  });
});

describe('gsmSafe', () => {
  it('rewords Catalan text into GSM-7, keeping the letters GSM-7 has', () => {
    const safe = gsmSafe('Col·labora: votació «oberta» a l’Eixample — què en penses?');
    expect(safe).toBe('Collabora: votacio "oberta" a l\'Eixample - què en penses?');
    expect(measureSms(safe).encoding).toBe('GSM-7');
  });

  it('keeps what has no GSM-7 form', () => {
    expect(gsmSafe('Gràcies 🙂')).toBe('Gràcies 🙂');
  });
});

describe('markOffending', () => {
  it('marks the runs that force UCS-2', () => {
    expect(markOffending('votació ara')).toEqual([
      { text: 'votaci', offending: false },
      { text: 'ó', offending: true },
      { text: ' ara', offending: false },
    ]);
  });
});
