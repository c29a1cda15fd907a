/** The reports screen's question as the address bar keeps it, its rules, and its figures' words. */

import { type Language, REPORT_DIMENSIONS, type ReportDimension, type ReportQuery } from '../api/types';
import { cityDate, LOCALES } from '../i18n/format';

/** The longest range a report covers, both days included, as the API allows: a year. */
export const MAX_REPORT_DAYS = 366;
/** The days a report covers when the address bar names none: the last thirty. */
export const DEFAULT_REPORT_DAYS = 30;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export interface ReportFilter {
  /** Days on the city's calendar, YYYY-MM-DD, or ''. */
  readonly from: string;
  readonly to: string;
  readonly by: ReportDimension;
}

export type ReportProblem = 'dates_missing' | 'dates_reversed' | 'too_long';

function isDimension(value: string | null): value is ReportDimension {
  return value !== null && (REPORT_DIMENSIONS as readonly string[]).includes(value);
}

function utcOf(day: string): number | null {
  if (!DAY.test(day)) {
    return null;
  }
  const at = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== day ? null : at;
}

/** `day` moved by `days` (negative: earlier). */
export function addDays(day: string, days: number): string {
  const at = utcOf(day);
  if (at === null) {
    throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  }
  return new Date(at + days * DAY_MS).toISOString().slice(0, 10);
}

/** How many days run from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  const [start, end] = [utcOf(from), utcOf(to)];
  if (start === null || end === null) {
    throw new RangeError('not YYYY-MM-DD days');
  }
  return Math.round((end - start) / DAY_MS) + 1;
}

/** The question the address bar holds: the last thirty days by theme when it holds none. */
export function reportFilterFrom(params: URLSearchParams, now: Date): ReportFilter {
  const by = params.get('by');
  const asked = (name: 'from' | 'to') => {
    const value = (params.get(name) ?? '').trim();
    return utcOf(value) === null ? '' : value;
  };
  if (!params.has('from') && !params.has('to')) {
    const today = cityDate(now);
    return { from: addDays(today, 1 - DEFAULT_REPORT_DAYS), to: today, by: isDimension(by) ? by : 'theme' };
  }
  return { from: asked('from'), to: asked('to'), by: isDimension(by) ? by : 'theme' };
}

/** The question as a query string, with its `?`. */
export function reportSearchOf(filter: ReportFilter): string {
  return `?${new URLSearchParams({ from: filter.from, to: filter.to, by: filter.by }).toString()}`;
}

/** The API's question, or what is wrong with the filter (the API would answer 400). */
export function reportQueryOf(filter: ReportFilter): ReportQuery | ReportProblem {
  if (filter.from === '' || filter.to === '') {
    return 'dates_missing';
  }
  if (filter.from > filter.to) {
    return 'dates_reversed';
  }
  if (daysBetween(filter.from, filter.to) > MAX_REPORT_DAYS) {
    return 'too_long';
  }
  return { from: filter.from, to: filter.to, by: filter.by };
}

/** The file a downloaded report is saved as, as the API names it. */
export function reportFileName(query: ReportQuery): string {
  return `finestra-report-${query.by}-${query.from}-${query.to}.csv`;
}

/** A calendar day in the language, e.g. "1 March 2026". */
export function formatDay(day: string, language: Language): string {
  const at = utcOf(day);
  if (at === null) {
    return day;
  }
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(at));
}

/** Days with up to one decimal, e.g. "2,3" in Catalan. */
export function formatDays(days: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 }).format(days);
}

/** A percentage given as 0 to 100, e.g. "87,5 %" in Catalan. */
export function formatPercent(percent: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language], { style: 'percent', maximumFractionDigits: 1 }).format(
    percent / 100,
  );
}
