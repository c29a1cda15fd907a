import { describe, expect, it } from 'vitest';

import type { Difference, DifferencePage } from '../api/engage';
import { formatMetric, formatPValue, insightQueryFrom, insightRows, insightSearchOf, openDataAllowed } from './insights';

function difference(value: string, over: Partial<Difference>): Difference {
  return {
    value,
    metric: 'breach_rate',
    segment_value: 0.2,
    city_value: 0.2,
    sample_size: 120,
    p_value: 0.5,
    significant: false,
    enough_data: true,
    ...over,
  };
}

const PAGE: DifferencePage = {
  dimension: 'district',
  metric: 'breach_rate',
  since: '2026-01-01',
  until: '2026-03-31',
  minimum_sample: 30,
  city_value: 0.2,
  items: [
    difference('1', { segment_value: 0.21, p_value: 0.6 }),
    difference('2', { segment_value: 0.35, p_value: 0.0004, significant: true }),
    difference('3', { segment_value: null, sample_size: 12, p_value: null, enough_data: false }),
    difference('4', { segment_value: 0.12, p_value: 0.02, significant: true }),
  ],
};
const NAMES: Readonly<Record<string, string>> = { '1': 'Ciutat Vella', '2': 'Eixample', '3': 'Sants-Montjuïc', '4': 'Les Corts' };

describe('insightRows', () => {
  it('puts the differences first, strongest evidence first, and too small samples last', () => {
    const rows = insightRows(PAGE, (value) => NAMES[value] ?? value, 'en');
    expect(rows.map((row) => [row.name, row.status])).toEqual([
      ['Eixample', 'higher'],
      ['Les Corts', 'lower'],
      ['Ciutat Vella', 'same'],
      ['Sants-Montjuïc', 'not_enough'],
    ]);
  });

  it('shows figures, p-values and samples in the language, and none for a small sample', () => {
    const rows = insightRows(PAGE, (value) => value, 'ca');
    expect(rows[0]).toMatchObject({ shown: '35\u00a0%', pValue: '< 0,001', sample: '120' });
    expect(rows[1]).toMatchObject({ shown: '12\u00a0%', pValue: '0,020' });
    expect(rows[3]).toMatchObject({ figure: null, shown: '—', pValue: '—', sample: '12' });
  });
});

describe('insight formats', () => {
  it('formats each kind of metric', () => {
    expect(formatMetric('median_resolution_hours', 36.25, 'en')).toBe('36.3 hrs');
    expect(formatMetric('requests_per_1000', 12.345, 'en')).toBe('12.3');
    expect(formatMetric('satisfaction', 3.456, 'en')).toBe('3.46');
    expect(formatMetric('repeat_contact_rate', 0.081, 'en')).toBe('8.1%');
    expect(formatMetric('satisfaction', null, 'en')).toBe('—');
    expect(formatPValue(0.0456, 'en')).toBe('0.046');
  });
});

describe('insight question', () => {
  it('defaults to the districts and the last 90 days, and round-trips through the address bar', () => {
    const query = insightQueryFrom(new URLSearchParams(), new Date('2026-03-31T10:00:00Z'));
    expect(query).toEqual({ dimension: 'district', metric: 'requests_per_1000', since: '2026-01-01', until: '2026-03-31' });
    expect(insightQueryFrom(new URLSearchParams(insightSearchOf({ ...query, metric: 'satisfaction' })))).toEqual({
      ...query,
      metric: 'satisfaction',
    });
  });

  it('refuses an unknown dimension', () => {
    expect(insightQueryFrom(new URLSearchParams('dimension=age'), new Date('2026-03-31T10:00:00Z')).dimension).toBe('district');
  });

  it('allows open data for at most 31 days in order', () => {
    expect(openDataAllowed('2026-03-01', '2026-03-31')).toBe(true);
    expect(openDataAllowed('2026-03-01', '2026-04-01')).toBe(false);
    expect(openDataAllowed('2026-03-02', '2026-03-01')).toBe(false);
    expect(openDataAllowed('', '2026-03-01')).toBe(false);
  });
});
