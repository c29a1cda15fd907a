import { describe, expect, it } from 'vitest';

import type { SegmentDefinition } from '../api/engage';
import { EMPTY_FORM, definitionOf, formOf, formProblem, tagOf, toggled } from './segmentForm';

const FULL: SegmentDefinition = {
  districts: ['2', '6'],
  neighbourhoods: ['7'],
  languages: ['ca', 'es'],
  reachable: ['sms'],
  consents: ['campaigns'],
  requests: { themes: ['street-lighting', 'paving.pothole'], states: ['closed'], input_channels: ['sms'], since: '2026-01-01', until: '2026-03-31' },
  satisfaction: [1, 2],
  tags: ['gent-gran'],
};

describe('segment form', () => {
  it('makes the empty definition, the whole city, from the empty form', () => {
    expect(definitionOf(EMPTY_FORM)).toEqual({
      districts: [],
      neighbourhoods: [],
      languages: [],
      reachable: [],
      consents: [],
      requests: null,
      satisfaction: [],
      tags: [],
    });
  });

  it('gives back the definition it was made from', () => {
    expect(definitionOf(formOf(FULL))).toEqual(FULL);
  });

  it('sends the chosen theme codes once each, in lower case, and tags typed with commas', () => {
    const form = { ...EMPTY_FORM, themes: ['Street-Lighting', ' paving.pothole ', 'street-lighting', ''], tags: 'Gent Gran, veïns;veïns' };
    const definition = definitionOf(form);
    expect(definition.requests?.themes).toEqual(['street-lighting', 'paving.pothole']);
    expect(definition.tags).toEqual(['gent-gran', 'veins']);
  });

  it('shows every stored theme code ticked, one the catalogue no longer has included', () => {
    const form = formOf({ requests: { themes: ['paving.pothole', 'lighting.retired'], states: [], input_channels: [], since: null, until: null } });
    expect(form.themes).toEqual(['paving.pothole', 'lighting.retired']);
    expect(definitionOf(form).requests?.themes).toEqual(['paving.pothole', 'lighting.retired']);
  });

  it('drops the requests criterion when the last theme is taken out', () => {
    const form = formOf({ requests: { themes: ['paving.pothole'], states: [], input_channels: [], since: null, until: null } });
    expect(definitionOf({ ...form, themes: toggled(form.themes, 'paving.pothole', false) }).requests).toBeNull();
  });

  it('keeps a window alone as a request criterion', () => {
    expect(definitionOf({ ...EMPTY_FORM, since: '2026-02-01' }).requests).toEqual({
      themes: [],
      states: [],
      input_channels: [],
      since: '2026-02-01',
      until: null,
    });
  });

  it('reads a definition with missing lists', () => {
    expect(formOf({ districts: ['3'] })).toEqual({ ...EMPTY_FORM, districts: ['3'] });
  });

  it('refuses a window that ends before it starts', () => {
    expect(formProblem({ ...EMPTY_FORM, since: '2026-03-01', until: '2026-02-01' })).toBe('window_reversed');
    expect(formProblem({ ...EMPTY_FORM, since: '2026-03-01', until: '2026-03-01' })).toBeNull();
  });

  it('slugs a tag and toggles a value', () => {
    expect(tagOf('  Associació Veïnal ')).toBe('associacio-veinal');
    expect(toggled(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggled(['b'], 'a', true)).toEqual(['b', 'a']);
  });
});
