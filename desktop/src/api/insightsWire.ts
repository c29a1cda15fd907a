/**
 * The figures of every value of a dimension and of the whole city
 * (`GET /insights/segments`), as the desk API sends them, made into the desktop's shape.
 * A figure the answer lacks, or gives as something other than a finite number, is null.
 */

import type { InsightDimension } from './engage';

type Wire = Readonly<Record<string, unknown>>;

/** What the overview is asked for: a dimension and a range of days, both included. */
export interface OverviewQuery {
  readonly dimension: InsightDimension;
  readonly since: string;
  readonly until: string;
}

/** The figures of one value of a dimension, or of the whole city when `value` is null. */
export interface SegmentFigures {
  readonly value: string | null;
  readonly opened: number;
  readonly closed: number;
  /** Residents, where the city knows them (districts and the whole city). */
  readonly population: number | null;
  readonly requests_per_1000: number | null;
  readonly median_resolution_hours: number | null;
  readonly p90_resolution_hours: number | null;
  readonly breach_rate: number | null;
  /** The mean rating of the survey answers, 1 to 5. */
  readonly satisfaction: number | null;
  readonly satisfaction_count: number;
  /** The share of scored texts judged positive; null when no text was scored. */
  readonly sentiment: number | null;
  readonly repeat_contact_rate: number | null;
}

export interface Overview {
  readonly dimension: InsightDimension;
  readonly since: string;
  readonly until: string;
  readonly segments: readonly SegmentFigures[];
  readonly city: SegmentFigures;
}

function isWire(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function figure(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function count(value: unknown): number {
  return figure(value) ?? 0;
}

function positiveShare(shares: unknown): number | null {
  return isWire(shares) ? figure(shares['positive'] ?? shares['POSITIVE']) : null;
}

/** One segment's figures: the back end's names (`satisfaction_mean`, `repeat_rate`) or the desktop's. */
export function segmentFiguresOf(raw: unknown): SegmentFigures {
  const wire = isWire(raw) ? raw : {};
  const value = wire['value'];
  return {
    value: typeof value === 'string' && value !== '' ? value : null,
    opened: count(wire['opened']),
    closed: count(wire['closed']),
    population: figure(wire['population']),
    requests_per_1000: figure(wire['requests_per_1000']),
    median_resolution_hours: figure(wire['median_resolution_hours']),
    p90_resolution_hours: figure(wire['p90_resolution_hours']),
    breach_rate: figure(wire['breach_rate']),
    satisfaction: figure(wire['satisfaction_mean'] ?? wire['satisfaction']),
    satisfaction_count: count(wire['satisfaction_count']),
    sentiment: positiveShare(wire['sentiment_shares']),
    repeat_contact_rate: figure(wire['repeat_rate'] ?? wire['repeat_contact_rate']),
  };
}

/**
 * The overview of a dimension: its values' figures (those the answer gives for the whole
 * city dropped) and the city's, which is all zeros and blanks when the answer lacks it.
 */
export function overviewOf(raw: unknown, query: OverviewQuery): Overview {
  const wire = isWire(raw) ? raw : {};
  const listed = wire['segments'] ?? wire['items'];
  const segments = (Array.isArray(listed) ? listed : []).map(segmentFiguresOf).filter((segment) => segment.value !== null);
  return {
    dimension: query.dimension,
    since: query.since,
    until: query.until,
    segments,
    city: { ...segmentFiguresOf(wire['city']), value: null },
  };
}
