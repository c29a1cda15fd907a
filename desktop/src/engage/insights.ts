/** The insight screen's question, as the address bar keeps it, and its table's rows. */

import {
  type DifferencePage,
  INSIGHT_DIMENSIONS,
  INSIGHT_METRICS,
  type InsightMetric,
  type InsightQuery,
} from '../api/engage';
import type { Language } from '../api/types';
import { cityDate, LOCALES } from '../i18n/format';
import { addDays, daysBetween } from '../screens/reportQuery';

/** The days an insight covers when the address bar names none. */
export const DEFAULT_INSIGHT_DAYS = 90;
/** The longest open-data download the API allows, both days included. */
export const MAX_OPEN_DATA_DAYS = 31;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const RATES: readonly InsightMetric[] = ['breach_rate', 'sentiment', 'repeat_contact_rate'];
const HOURS: readonly InsightMetric[] = ['median_resolution_hours', 'p90_resolution_hours'];

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
    metric: pick(INSIGHT_METRICS, search.get('metric'), 'requests_per_1000'),
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

/** A metric's figure in the language: rates as percentages, times in hours. */
export function formatMetric(metric: InsightMetric, value: number | null, language: Language): string {
  if (value === null) {
    return '—';
  }
  const locale = LOCALES[language];
  if (RATES.includes(metric)) {
    return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
  }
  if (HOURS.includes(metric)) {
    return new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
  }
  return new Intl.NumberFormat(locale, { maximumFractionDigits: metric === 'satisfaction' ? 2 : 1 }).format(value);
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
