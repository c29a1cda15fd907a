import { describe, expect, it } from 'vitest';

import type { Difference, DifferencePage } from '../api/engage';
import type { Overview, SegmentFigures } from '../api/insightsWire';
import {
  formatColumn,
  formatMetric,
  formatPValue,
  insightQueryFrom,
  insightRows,
  insightSearchOf,
  nextSort,
  OVERVIEW_COLUMNS,
  overviewCsv,
  overviewRows,
  type OverviewSort,
  openDataAllowed,
  sortOverview,
} from './insights';

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
    expect(formatMetric('resolution', 36.25, 'en')).toBe('36.3 hrs');
    expect(formatMetric('satisfaction', 3.456, 'en')).toBe('3.46');
    expect(formatMetric('repeat_rate', 0.081, 'en')).toBe('8.1%');
    expect(formatMetric('negative_sentiment', 0.25, 'en')).toBe('25%');
    expect(formatMetric('breach_rate', 0.125, 'en')).toBe('12.5%');
    expect(formatMetric('satisfaction', null, 'en')).toBe('—');
    expect(formatPValue(0.0456, 'en')).toBe('0.046');
  });
});

describe('insight question', () => {
  it('defaults to the districts and the last 90 days, and round-trips through the address bar', () => {
    const query = insightQueryFrom(new URLSearchParams(), new Date('2026-03-31T10:00:00Z'));
    expect(query).toEqual({ dimension: 'district', metric: 'breach_rate', since: '2026-01-01', until: '2026-03-31' });
    expect(insightQueryFrom(new URLSearchParams(insightSearchOf({ ...query, metric: 'satisfaction' })))).toEqual({
      ...query,
      metric: 'satisfaction',
    });
  });

  it('refuses an unknown dimension', () => {
    expect(insightQueryFrom(new URLSearchParams('dimension=age'), new Date('2026-03-31T10:00:00Z')).dimension).toBe('district');
  });

  it('asks only for a metric the desk API tests, whatever an old address names', () => {
    const asked = insightQueryFrom(new URLSearchParams('metric=requests_per_1000'), new Date('2026-03-31T10:00:00Z'));
    expect(asked.metric).toBe('breach_rate');
  });

  it('allows open data for at most 31 days in order', () => {
    expect(openDataAllowed('2026-03-01', '2026-03-31')).toBe(true);
    expect(openDataAllowed('2026-03-01', '2026-04-01')).toBe(false);
    expect(openDataAllowed('2026-03-02', '2026-03-01')).toBe(false);
    expect(openDataAllowed('', '2026-03-01')).toBe(false);
  });
});

function figures(value: string | null, over: Partial<SegmentFigures> = {}): SegmentFigures {
  return {
    value,
    opened: 1200,
    closed: 1000,
    population: null,
    requests_per_1000: null,
    median_resolution_hours: 30,
    p90_resolution_hours: 200,
    breach_rate: 0.1,
    satisfaction: 4.2,
    satisfaction_count: 40,
    sentiment: 0.6,
    repeat_contact_rate: 0.05,
    ...over,
  };
}

const OVERVIEW: Overview = {
  dimension: 'district',
  since: '2026-01-01',
  until: '2026-03-31',
  segments: [
    figures('2', { opened: 300, breach_rate: 0.3, population: 100_000, requests_per_1000: 3 }),
    figures('1', { opened: 900, breach_rate: null }),
    figures('3', { opened: 50, breach_rate: 0.05 }),
  ],
  city: figures(null, { opened: 1250, population: 1_600_000, requests_per_1000: 0.781 }),
};
const DISTRICT_NAMES: Record<string, string> = { '1': 'Ciutat Vella', '2': 'Eixample', '3': 'Sants' };
const nameOf = (value: string) => DISTRICT_NAMES[value] ?? value;

describe('the every-value table', () => {
  it('gives a row per value by name, and the city apart, figures as the screen shows metrics', () => {
    const { rows, city } = overviewRows(OVERVIEW, nameOf, 'Tota la ciutat', 'ca');
    expect(rows.map((row) => row.name)).toEqual(['Ciutat Vella', 'Eixample', 'Sants']);
    expect(city.name).toBe('Tota la ciutat');
    expect(city.value).toBeNull();
    expect(city.shown.population).toBe(new Intl.NumberFormat('ca-ES').format(1_600_000));
    expect(rows[1]?.shown.breach_rate).toBe(formatMetric('breach_rate', 0.3, 'ca'));
    expect(rows[1]?.shown.median_resolution_hours).toBe(formatMetric('resolution', 30, 'ca'));
    expect(rows[0]?.shown.breach_rate).toBe('');
    expect(rows[0]?.shown.population).toBe('');
  });

  it('formats counts as whole numbers and leaves blanks blank', () => {
    expect(formatColumn('opened', 1234, 'en')).toBe('1,234');
    expect(formatColumn('satisfaction', 4.256, 'en')).toBe('4.26');
    expect(formatColumn('repeat_contact_rate', null, 'en')).toBe('');
  });

  it('sorts by a column either way, blank figures last both ways', () => {
    const { rows } = overviewRows(OVERVIEW, nameOf, 'City', 'en');
    const names = (sort: OverviewSort) => sortOverview(rows, sort, 'en').map((row) => row.name);
    expect(names({ key: 'breach_rate', direction: 'descending' })).toEqual(['Eixample', 'Sants', 'Ciutat Vella']);
    expect(names({ key: 'breach_rate', direction: 'ascending' })).toEqual(['Sants', 'Eixample', 'Ciutat Vella']);
    expect(names({ key: 'opened', direction: 'descending' })).toEqual(['Ciutat Vella', 'Eixample', 'Sants']);
    expect(names({ key: 'name', direction: 'descending' })).toEqual(['Sants', 'Eixample', 'Ciutat Vella']);
  });

  it('turns a header’s second click into the other direction, and starts a new column from the top', () => {
    const byName: OverviewSort = { key: 'name', direction: 'ascending' };
    expect(nextSort(byName, 'name')).toEqual({ key: 'name', direction: 'descending' });
    expect(nextSort(byName, 'opened')).toEqual({ key: 'opened', direction: 'descending' });
    expect(nextSort({ key: 'opened', direction: 'descending' }, 'opened')).toEqual({ key: 'opened', direction: 'ascending' });
  });

  it('writes the table as CSV with plain numbers, blanks, quoted names and the city last', () => {
    const { rows, city } = overviewRows({ ...OVERVIEW, segments: [figures('9', { breach_rate: null })] }, () => 'Sant Martí, "nord"', 'City', 'en');
    const headers = ['Code', 'District', ...OVERVIEW_COLUMNS];
    const lines = overviewCsv(headers, rows, city).split('\r\n');
    expect(lines[0]).toBe(`Code,District,${OVERVIEW_COLUMNS.join(',')}`);
    expect(lines[1]).toBe('9,"Sant Martí, ""nord""",1200,1000,,,30,200,,4.2,0.6,0.05');
    expect(lines[2]).toBe(',City,1250,1000,1600000,0.781,30,200,0.1,4.2,0.6,0.05');
    expect(lines[3]).toBe('');
  });

  it('keeps a spreadsheet from reading a name as a formula', () => {
    const { rows, city } = overviewRows({ ...OVERVIEW, segments: [figures('x')] }, () => '=HYPERLINK("x")', 'City', 'en');
    expect(overviewCsv(['c'], rows, city).split('\r\n')[1]).toMatch(/^x,"'=HYPERLINK\(""x""\)",/);
  });
});
