/** The access log's question as the address bar keeps it, and as the API takes it. */

import type { AccessQuery } from '../api/types';
import { cityDayEnd, cityDayStart } from '../i18n/format';

export interface AccessFilter {
  readonly citizen_id: string;
  readonly user_id: string;
  /** Days on the city's clock, YYYY-MM-DD, or ''. */
  readonly since: string;
  readonly until: string;
}

const FIELDS = ['citizen_id', 'user_id', 'since', 'until'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filter the address bar holds; unknown parameters and malformed days are dropped. */
export function accessFilterFrom(params: URLSearchParams): AccessFilter {
  const value = (name: (typeof FIELDS)[number]) => (params.get(name) ?? '').trim();
  const day = (name: 'since' | 'until') => (DAY.test(value(name)) ? value(name) : '');
  return { citizen_id: value('citizen_id'), user_id: value('user_id'), since: day('since'), until: day('until') };
}

/** The filter as a query string (with its `?`), only the fields given. */
export function accessSearchOf(filter: AccessFilter): string {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = filter[name].trim();
    if (value !== '') {
      params.set(name, value);
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export type AccessProblem = 'needs_someone' | 'dates_reversed';

/**
 * The API's question for `filter`, the days turned into the instants they begin and end
 * on the city's clock, or what is wrong with it.
 */
export function accessQueryOf(filter: AccessFilter): AccessQuery | AccessProblem {
  if (filter.citizen_id === '' && filter.user_id === '') {
    return 'needs_someone';
  }
  if (filter.since !== '' && filter.until !== '' && filter.since > filter.until) {
    return 'dates_reversed';
  }
  return {
    ...(filter.citizen_id ? { citizen_id: filter.citizen_id } : {}),
    ...(filter.user_id ? { user_id: filter.user_id } : {}),
    ...(filter.since ? { since: cityDayStart(filter.since).toISOString() } : {}),
    ...(filter.until ? { until: cityDayEnd(filter.until).toISOString() } : {}),
  };
}
