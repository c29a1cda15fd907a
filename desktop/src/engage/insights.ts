/** The insight screen's question, as the address bar keeps it, its differences' rows and its every-value table. */

import {
  type DifferencePage,
  INSIGHT_DIMENSIONS,
  INSIGHT_METRICS,
  type InsightMetric,
  type InsightQuery,
} from '../api/engage';
import type { Overview, SegmentFigures } from '../api/insightsWire';
import type { Language } from '../api/types';
import { cityDate, LOCALES } from '../i18n/format';
import { addDays, daysBetween } from '../screens/reportQuery';

/** The days an insight covers when the address bar names none. */
export const DEFAULT_INSIGHT_DAYS = 90;
/** The longest open-data download the API allows, both days included. */
export const MAX_OPEN_DATA_DAYS = 31;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** How a figure is written: a count, a rate (as a percentage), hours, a mean of 1 to 5, or a plain number. */
type FigureFormat = 'count' | 'rate' | 'hours' | 'mean' | 'number';

const METRIC_FORMATS: Readonly<Record<InsightMetric, FigureFormat>> = {
  breach_rate: 'rate',
  repeat_rate: 'rate',
  resolution: 'hours',
  satisfaction: 'mean',
  negative_sentiment: 'rate',
};

export type DifferenceStatus = 'higher' | 'lower' | 'same' | 'not_enough';

export interface InsightRow {
  readonly value: string;
  readonly name: string;
  readonly figure: number | null;
  readonly shown: string;
  readonly pValue: string;
  readonly sample: string;
  readonly status: DifferenceStatus;
}

function pick<T extends string>(choices: readonly T[], value: string | null, fallback: T): T {
  return value !== null && (choices as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The question the address bar holds, with the last 90 days and the district by default. */
export function insightQueryFrom(search: URLSearchParams, today: Date = new Date()): InsightQuery {
  const until = search.get('until') || cityDate(today);
  return {
    dimension: pick(INSIGHT_DIMENSIONS, search.get('dimension'), 'district'),
    metric: pick(INSIGHT_METRICS, search.get('metric'), 'breach_rate'),
    since: search.get('since') || addDays(until, 1 - DEFAULT_INSIGHT_DAYS),
    until,
  };
}

export function insightSearchOf(query: InsightQuery): string {
  return `?${new URLSearchParams({ ...query }).toString()}`;
}

/** Whether the open-data download may be asked for these days: in order and at most 31. */
export function openDataAllowed(since: string, until: string): boolean {
  if (!DAY.test(since) || !DAY.test(until) || since > until) {
    return false;
  }
  return daysBetween(since, until) <= MAX_OPEN_DATA_DAYS;
}

function formatFigure(format: FigureFormat, value: number, language: Language): string {
  const locale = LOCALES[language];
  switch (format) {
    case 'rate':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
    case 'hours':
      return new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
    case 'count':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
    case 'mean':
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
    default:
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);
  }
}

/** A metric's figure in the language: rates as percentages, times in hours. */
export function formatMetric(metric: InsightMetric, value: number | null, language: Language): string {
  return value === null ? '—' : formatFigure(METRIC_FORMATS[metric], value, language);
}

/** A p-value as statisticians write it: three decimals, and "< 0.001" below that. */
export function formatPValue(value: number | null, language: Language): string {
  if (value === null) {
    return '—';
  }
  const format = new Intl.NumberFormat(LOCALES[language], { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  return value < 0.001 ? `< ${format.format(0.001)}` : format.format(value);
}

function statusOf(item: DifferencePage['items'][number]): DifferenceStatus {
  if (!item.enough_data || item.segment_value === null) {
    return 'not_enough';
  }
  if (!item.significant || item.city_value === null) {
    return 'same';
  }
  return item.segment_value > item.city_value ? 'higher' : 'lower';
}

/**
 * Every value of the page as a row, those that differ from the city first (the strongest
 * evidence first), then those that do not, then those with too small a sample.
 */
export function insightRows(page: DifferencePage, nameOf: (value: string) => string, language: Language): InsightRow[] {
  const order: Readonly<Record<DifferenceStatus, number>> = { higher: 0, lower: 0, same: 1, not_enough: 2 };
  return page.items
    .map((item) => ({
      item,
      row: {
        value: item.value,
        name: nameOf(item.value),
        figure: item.enough_data ? item.segment_value : null,
        shown: item.enough_data ? formatMetric(page.metric, item.segment_value, language) : '—',
        pValue: item.enough_data ? formatPValue(item.p_value, language) : '—',
        sample: new Intl.NumberFormat(LOCALES[language]).format(item.sample_size),
        status: statusOf(item),
      },
    }))
    .sort(
      (a, b) =>
        order[a.row.status] - order[b.row.status] ||
        (a.item.p_value ?? 1) - (b.item.p_value ?? 1) ||
        a.row.name.localeCompare(b.row.name, LOCALES[language]),
    )
    .map(({ row }) => row);
}

/** The columns of the every-value table, in order: counts, then the metrics. */
export const OVERVIEW_COLUMNS = [
  'opened',
  'closed',
  'population',
  'requests_per_1000',
  'median_resolution_hours',
  'p90_resolution_hours',
  'breach_rate',
  'satisfaction',
  'sentiment',
  'repeat_contact_rate',
] as const;
export type OverviewColumn = (typeof OVERVIEW_COLUMNS)[number];
/** What the every-value table may be sorted by: the value's name or one column. */
export type OverviewSortKey = 'name' | OverviewColumn;
export type SortDirection = 'ascending' | 'descending';

export interface OverviewSort {
  readonly key: OverviewSortKey;
  readonly direction: SortDirection;
}

const COLUMN_FORMATS: Readonly<Record<OverviewColumn, FigureFormat>> = {
  opened: 'count',
  closed: 'count',
  population: 'count',
  requests_per_1000: 'number',
  median_resolution_hours: 'hours',
  p90_resolution_hours: 'hours',
  breach_rate: 'rate',
  satisfaction: 'mean',
  sentiment: 'rate',
  repeat_contact_rate: 'rate',
};

/** One row of the every-value table: a value (null for the city), its name and its figures. */
export interface OverviewRow {
  readonly value: string | null;
  readonly name: string;
  readonly figures: Readonly<Record<OverviewColumn, number | null>>;
  readonly shown: Readonly<Record<OverviewColumn, string>>;
}

/** Whether a column holds counts (whole numbers) rather than a metric. */
export function isCountColumn(column: OverviewColumn): boolean {
  return COLUMN_FORMATS[column] === 'count';
}

/** A column's figure in the language: counts as whole numbers, rates as percentages, times in hours; blank when null. */
export function formatColumn(column: OverviewColumn, value: number | null, language: Language): string {
  return value === null ? '' : formatFigure(COLUMN_FORMATS[column], value, language);
}

function overviewRow(segment: SegmentFigures, name: string, language: Language): OverviewRow {
  const figures = Object.fromEntries(OVERVIEW_COLUMNS.map((column) => [column, segment[column]])) as Record<OverviewColumn, number | null>;
  const shown = Object.fromEntries(OVERVIEW_COLUMNS.map((column) => [column, formatColumn(column, figures[column], language)])) as Record<OverviewColumn, string>;
  return { value: segment.value, name, figures, shown };
}

/** The rows of the overview's values, by name, and the city's row apart. */
export function overviewRows(
  overview: Overview,
  nameOf: (value: string) => string,
  cityName: string,
  language: Language,
): { readonly rows: readonly OverviewRow[]; readonly city: OverviewRow } {
  const rows = overview.segments
    .map((segment) => overviewRow(segment, nameOf(segment.value ?? ''), language))
    .sort((a, b) => a.name.localeCompare(b.name, LOCALES[language]));
  return { rows, city: overviewRow(overview.city, cityName, language) };
}

/** The rows in the sort's order; blank figures go last whichever the direction, ties by name. */
export function sortOverview(rows: readonly OverviewRow[], sort: OverviewSort, language: Language): OverviewRow[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const byName = (a: OverviewRow, b: OverviewRow) => a.name.localeCompare(b.name, LOCALES[language]);
  const { key } = sort;
  if (key === 'name') {
    return [...rows].sort((a, b) => sign * byName(a, b));
  }
  return [...rows].sort((a, b) => {
    const x = a.figures[key];
    const y = b.figures[key];
    if (x === null || y === null) {
      return x === y ? byName(a, b) : x === null ? 1 : -1;
    }
    return sign * (x - y) || byName(a, b);
  });
}

/** The sort after a click on `key`'s header: the other direction on the same key, else a new key. */
export function nextSort(current: OverviewSort, key: OverviewSortKey): OverviewSort {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  return { key, direction: key === 'name' ? 'ascending' : 'descending' };
}

function csvField(text: string): string {
  const guarded = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/**
 * The table as CSV: a header row, the rows as shown, the city last. Figures are plain
 * numbers (a point for decimals, rates as fractions) so a spreadsheet reads them; blanks stay blank.
 */
export function overviewCsv(headers: readonly string[], rows: readonly OverviewRow[], city: OverviewRow): string {
  const line = (row: OverviewRow) => [row.value ?? '', row.name, ...OVERVIEW_COLUMNS.map((column) => String(row.figures[column] ?? ''))];
  return `${[headers, ...rows.map(line), line(city)].map((fields) => fields.map(csvField).join(',')).join('\r\n')}\r\n`;
}
