import { describe, expect, it } from 'vitest';

import { paths, routeOf } from '../router';
import { barLength } from './ReportChart';
import {
  addDays,
  daysBetween,
  formatDay,
  formatDays,
  formatPercent,
  reportFileName,
  reportFilterFrom,
  reportQueryOf,
  reportSearchOf,
} from './reportQuery';

const SUMMER_NIGHT = new Date('2026-06-30T22:30:00Z');

describe('the report question in the address bar', () => {
  it('opens the reports screen at its path, and nothing below it', () => {
    expect(routeOf(paths.reports())).toEqual({ screen: 'reports' });
    expect(paths.reports('?by=group')).toBe('/reports?by=group');
    expect(routeOf('/reports/x')).toEqual({ screen: 'missing' });
  });

  it('asks for the last thirty days on the city’s calendar, by theme, when the bar names no days', () => {
    const filter = reportFilterFrom(new URLSearchParams(''), SUMMER_NIGHT);

    expect(filter).toEqual({ from: '2026-06-02', to: '2026-07-01', by: 'theme' });
    expect(reportQueryOf(filter)).toEqual(filter);
  });

  it('reads back what it wrote', () => {
    const filter = { from: '2026-03-01', to: '2026-03-31', by: 'channel' } as const;

    expect(reportFilterFrom(new URLSearchParams(reportSearchOf(filter)), SUMMER_NIGHT)).toEqual(filter);
  });

  it('drops a day that is no day and a dimension it does not know', () => {
    const params = new URLSearchParams('from=2026-02-30&to=2026-03-31&by=citizen');

    expect(reportFilterFrom(params, SUMMER_NIGHT)).toEqual({ from: '', to: '2026-03-31', by: 'theme' });
    expect(reportQueryOf(reportFilterFrom(params, SUMMER_NIGHT))).toBe('dates_missing');
  });

  it('refuses reversed days and more than a year, as the API does', () => {
    expect(reportQueryOf({ from: '2026-03-31', to: '2026-03-01', by: 'group' })).toBe('dates_reversed');
    expect(reportQueryOf({ from: '2024-01-01', to: '2024-12-31', by: 'group' })).toEqual({
      from: '2024-01-01',
      to: '2024-12-31',
      by: 'group',
    });
    expect(reportQueryOf({ from: '2024-01-01', to: '2025-01-01', by: 'group' })).toBe('too_long');
  });
});

describe('days and figures', () => {
  it('counts and moves days across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-03-01', '2026-03-31')).toBe(31);
    expect(daysBetween('2026-03-29', '2026-03-29')).toBe(1);
  });

  it('writes days, closing days and percentages in the user’s language', () => {
    expect(formatDay('2026-03-01', 'en')).toBe('1 March 2026');
    expect(formatDay('2026-03-01', 'ca')).toMatch(/^1 de març/);
    expect(formatDays(2.25, 'ca')).toBe('2,3');
    expect(formatDays(2.25, 'en')).toBe('2.3');
    expect(formatPercent(87.5, 'es')).toBe('87,5\u00a0%');
    expect(formatPercent(50, 'en')).toBe('50%');
  });

  it('names the downloaded file as the API does', () => {
    expect(reportFileName({ from: '2026-03-01', to: '2026-03-31', by: 'district' })).toBe(
      'finestra-report-district-2026-03-01-2026-03-31.csv',
    );
  });

  it('draws the longest bar across the chart and nothing for none', () => {
    expect(barLength(10, 10, 500)).toBe(500);
    expect(barLength(5, 10, 500)).toBe(250);
    expect(barLength(0, 10, 500)).toBe(0);
    expect(barLength(0, 0, 500)).toBe(0);
  });
});
