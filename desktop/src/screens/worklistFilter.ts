/** The worklist's filters live in the address bar, so Back and a reload keep them. */

import type { WorklistFilter } from '../api/types';

export const FILTER_FIELDS = ['group', 'view', 'alarm', 'state', 'theme', 'district', 'channel', 'sla', 'priority', 'q'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** The filter the address bar's query names; unknown parameters are ignored. */
export function filterFrom(search: URLSearchParams): WorklistFilter {
  const filter: Partial<Record<FilterField, string>> = {};
  for (const field of FILTER_FIELDS) {
    const value = search.get(field)?.trim();
    if (value) {
      filter[field] = value;
    }
  }
  return filter;
}

/** The query string (with its `?`, or empty) that names `filter`. */
export function searchOf(filter: WorklistFilter): string {
  const search = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const value = filter[field];
    if (value) {
      search.set(field, value);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** `filter` with one field set, or removed when `value` is empty. */
export function withField(filter: WorklistFilter, field: FilterField, value: string): WorklistFilter {
  const next: Partial<Record<FilterField, string>> = { ...filter };
  if (value.trim()) {
    next[field] = value.trim();
  } else {
    delete next[field];
  }
  return next;
}
