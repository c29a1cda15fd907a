import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import {
  ACCESS_REASONS,
  CHANNELS,
  CONSENT_PURPOSES,
  CONTACT_CHANNELS,
  CONTACT_KINDS,
  LANGUAGES,
  PRIORITIES,
  REQUEST_STATES,
  REQUEST_TYPES,
  RESPONSE_CHANNELS,
  SEARCH_FIELDS,
  SLA_STATES,
  TIMELINE_KINDS,
} from '../api/types';
import { UPLOAD_CODES } from '../api/upload';
import { AuthError } from '../auth/tokens';
import { CATALOGUES, errorMessage, keyOf, label, plural, translate } from './messages';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('the catalogues', () => {
  const reference = Object.keys(CATALOGUES.en).sort();

  it.each(LANGUAGES)('%s has exactly the keys of the English catalogue', (language) => {
    expect(Object.keys(CATALOGUES[language]).sort()).toEqual(reference);
  });

  it.each(LANGUAGES)('%s has no empty message', (language) => {
    const empty = Object.entries(CATALOGUES[language]).filter(([, text]) => text.trim() === '');
    expect(empty).toEqual([]);
  });

  it.each(LANGUAGES)('%s uses the same placeholders as English in every message', (language) => {
    const differing = reference.filter((key) => {
      const k = key as keyof typeof CATALOGUES.en;
      return placeholders(CATALOGUES[language][k]).join() !== placeholders(CATALOGUES.en[k]).join();
    });
    expect(differing).toEqual([]);
  });

  it('translates Catalan and Spanish rather than copying English', () => {
    const copied = (language: 'ca' | 'es') =>
      reference.filter((key) => {
        const k = key as keyof typeof CATALOGUES.en;
        const words = CATALOGUES.en[k].replace(/\{\w+\}/g, '').replace(/[^\p{L}]/gu, '');
        return CATALOGUES[language][k] === CATALOGUES.en[k] && words.length > 12;
      });
    expect(copied('ca')).toEqual([]);
    expect(copied('es')).toEqual([]);
  });

  const vocabularies: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['state', REQUEST_STATES],
    ['channel', CHANNELS],
    ['response', RESPONSE_CHANNELS],
    ['priority', PRIORITIES],
    ['sla', [...SLA_STATES, 'none']],
    ['timeline.kind', TIMELINE_KINDS],
    ['contact', CONTACT_KINDS],
    ['consent', CONSENT_PURPOSES],
    ['search.field', SEARCH_FIELDS],
    ['search.hint', SEARCH_FIELDS],
    ['lang', LANGUAGES],
    ['requestType', REQUEST_TYPES],
    ['intake.channel', CONTACT_CHANNELS],
    ['intake.documentHint', CONTACT_CHANNELS],
    ['access.reason', ACCESS_REASONS],
    ['citizen.kind', ['identified', 'provisional']],
    ['files.problem', ['empty', 'too_large', 'type']],
    ['error', [...Object.values(UPLOAD_CODES), 'transition_refused']],
  ];

  it.each(vocabularies)('names every %s word', (prefix, words) => {
    expect(words.filter((word) => keyOf(prefix, word) === null)).toEqual([]);
  });
});

describe('translate', () => {
  it('fills each placeholder with its parameter', () => {
    expect(translate('en', 'detail.title', { reference: 'BCN-2026-000123' })).toBe('Request BCN-2026-000123');
    expect(translate('ca', 'detail.title', { reference: 'BCN-2026-000123' })).toBe('Sol·licitud BCN-2026-000123');
  });

  it('leaves a placeholder with no parameter as it is', () => {
    expect(translate('es', 'detail.title')).toBe('Solicitud {reference}');
  });
});

describe('plural', () => {
  it('takes the singular form for one and the plural otherwise', () => {
    expect(plural('en', 'worklist.showing', 1, '1')).toBe('Showing 1 request');
    expect(plural('en', 'worklist.showing', 3, '3')).toBe('Showing 3 requests');
    expect(plural('ca', 'reply.segments', 2, '2')).toBe('2 segments');
    expect(plural('es', 'search.results', 1, '1')).toBe('Se ha encontrado 1 persona');
    expect(plural('es', 'search.results', 0, '0')).toBe('Se han encontrado 0 personas');
  });
});

describe('label', () => {
  it('names a known word and falls back to the raw code for an unknown one', () => {
    expect(label('ca', 'state', 'in_resolution')).toBe('En resolució');
    expect(label('en', 'state', 'teleported')).toBe('teleported');
  });
});

describe('errorMessage', () => {
  it('picks the message by the error code, never the server sentence', () => {
    const error = new ApiError(403, 'forbidden', 'Staff u-1 lacks role supervisor');
    expect(errorMessage('en', error)).toBe('You are not allowed to do this.');
    expect(errorMessage('ca', error)).not.toContain('u-1');
  });

  it('falls back on the status for unknown codes', () => {
    expect(errorMessage('en', new ApiError(409, 'transition_not_allowed', 'x'))).toBe(CATALOGUES.en['error.conflict']);
    expect(errorMessage('en', new ApiError(503, 'upstream_down', 'x'))).toBe(CATALOGUES.en['error.internal_error']);
    expect(errorMessage('en', new ApiError(418, 'teapot', 'x'))).toBe(CATALOGUES.en['error.generic']);
  });

  it('explains sign-in failures', () => {
    expect(errorMessage('es', new AuthError('incorrect_credentials'))).toBe(
      'El nombre de usuario o la contraseña no son correctos.',
    );
  });

  it('explains anything else generically', () => {
    expect(errorMessage('ca', new Error('boom'))).toBe(CATALOGUES.ca['error.generic']);
  });
});
