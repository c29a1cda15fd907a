import { describe, expect, it } from 'vitest';

import { problemOf, say, startLanguage, tokenOf } from './messages';

describe('citizen pages', () => {
  it('reads the token from the fragment', () => {
    expect(tokenOf('#t=abc.def')).toBe('abc.def');
    expect(tokenOf('#t=')).toBeNull();
    expect(tokenOf('')).toBeNull();
  });

  it('tells used, expired and forged links apart', () => {
    expect(problemOf(410, 'link_used')).toBe('used');
    expect(problemOf(403, 'link_expired')).toBe('expired');
    expect(problemOf(410, 'gone')).toBe('used');
    expect(problemOf(403, 'forbidden')).toBe('forged');
    expect(problemOf(500, 'internal_error')).toBe('failed');
  });

  it('starts in the link’s language, else the browser’s, else Catalan', () => {
    expect(startLanguage(['en-GB'], 'es')).toBe('es');
    expect(startLanguage(['fr-FR', 'en-GB'])).toBe('en');
    expect(startLanguage(['fr-FR'])).toBe('ca');
  });

  it('speaks each language', () => {
    expect(say('ca', 'survey.rating', { n: 4 })).toBe('4 de 5');
    expect(say('en', 'unsubscribe.button')).toBe('Unsubscribe');
  });
});
