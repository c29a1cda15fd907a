import { describe, expect, it } from 'vitest';

import type { ThemeChoice } from '../api/types';
import { areaCodeOf, chosenThemes, folded, narrowed, pickAreas, withWholeArea } from './themePick';

const theme = (code: string, area: string, element: string, detail: string): ThemeChoice => ({ code, area, element, detail });

const THEMES: readonly ThemeChoice[] = [
  theme('lighting.streetlight-off', 'Enllumenat públic', 'Fanal', 'Fanal apagat'),
  theme('lighting.pole-damaged', 'Enllumenat públic', 'Fanal', 'Pal malmès'),
  theme('paving.pothole', 'Via pública i paviment', 'Paviment', 'Sot a la calçada'),
];

describe('theme pick', () => {
  it('groups the themes by area with the area codes of the catalogue', () => {
    const areas = pickAreas(THEMES, 'ca');
    expect(areas.map((area) => [area.name, area.code, area.themes.length])).toEqual([
      ['Enllumenat públic', 'street-lighting', 2],
      ['Via pública i paviment', 'roads-pavements', 1],
    ]);
    expect(areaCodeOf('Street lighting', 'en')).toBe('street-lighting');
    expect(areaCodeOf('Enllumenat públic', 'en')).toBeNull();
  });

  it('narrows by words in any case and without accents, keeping a whole area matched by name', () => {
    const areas = pickAreas(THEMES, 'ca');
    expect(folded('Calçada MALMÈS')).toBe('calcada malmes');
    expect(narrowed(areas, '  ')).toBe(areas);
    expect(narrowed(areas, 'malmes').flatMap((area) => area.themes.map((item) => item.code))).toEqual(['lighting.pole-damaged']);
    expect(narrowed(areas, 'enllumenat').flatMap((area) => area.themes.map((item) => item.code))).toEqual([
      'lighting.streetlight-off',
      'lighting.pole-damaged',
    ]);
    expect(narrowed(areas, 'enllumenat sot')).toEqual([]);
    expect(narrowed(areas, 'paviment calcada').map((area) => area.name)).toEqual(['Via pública i paviment']);
  });

  it('reads chosen codes by name and keeps a code the catalogue no longer has', () => {
    const areas = pickAreas(THEMES, 'ca');
    expect(chosenThemes(['paving.pothole', 'street-lighting', 'lighting.gone'], areas)).toEqual([
      { code: 'paving.pothole', label: 'Paviment · Sot a la calçada', known: true },
      { code: 'street-lighting', label: 'Enllumenat públic', known: true },
      { code: 'lighting.gone', label: 'lighting.gone', known: false },
    ]);
  });

  it('chooses a whole area in place of its themes, and lets it go', () => {
    const [lighting] = pickAreas(THEMES, 'ca');
    if (lighting === undefined) {
      throw new Error('no lighting area');
    }
    const whole = withWholeArea(['lighting.pole-damaged', 'paving.pothole'], lighting, true);
    expect(whole).toEqual(['paving.pothole', 'street-lighting']);
    expect(withWholeArea(whole, lighting, false)).toEqual(['paving.pothole']);
    expect(withWholeArea(['x'], { ...lighting, code: null }, true)).toEqual(['x']);
  });
});
