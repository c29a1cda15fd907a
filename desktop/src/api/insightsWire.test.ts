import { describe, expect, it, vi } from 'vitest';

import { ApiClient } from './client';
import { DeskApi } from './desk';
import { overviewOf, segmentFiguresOf } from './insightsWire';

const QUERY = { dimension: 'district', since: '2026-01-01', until: '2026-03-31' } as const;

function segment(value: string | null, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dimension: 'district',
    value,
    since: '2026-01-01',
    until: '2026-03-31',
    opened: 120,
    closed: 100,
    population: 100_000,
    requests_per_1000: 1.2,
    median_resolution_hours: 30.5,
    p90_resolution_hours: 200,
    closed_with_sla: 90,
    breach_rate: 0.1,
    repeat_contacts: 6,
    repeat_rate: 0.05,
    satisfaction_count: 40,
    satisfaction_mean: 4.2,
    ratings: { '1': 1, '2': 2, '3': 5, '4': 12, '5': 20 },
    sentiment: { positive: 6, negative: 2, neutral: 2, mixed: 0 },
    sentiment_shares: { positive: 0.6, negative: 0.2, neutral: 0.2, mixed: 0 },
    sentiment_methods: { comprehend: 0, lexicon: 10 },
    ...over,
  };
}

describe('the overview of a dimension', () => {
  it('reads the back end’s figures under the desktop’s names', () => {
    expect(segmentFiguresOf(segment('1'))).toEqual({
      value: '1',
      opened: 120,
      closed: 100,
      population: 100_000,
      requests_per_1000: 1.2,
      median_resolution_hours: 30.5,
      p90_resolution_hours: 200,
      breach_rate: 0.1,
      satisfaction: 4.2,
      satisfaction_count: 40,
      sentiment: 0.6,
      repeat_contact_rate: 0.05,
    });
  });

  it('gives null for a figure the answer leaves null, lacks or breaks', () => {
    const figures = segmentFiguresOf(segment('2', { population: null, breach_rate: 'high', sentiment_shares: {}, satisfaction_mean: Number.NaN, opened: undefined }));
    expect(figures.population).toBeNull();
    expect(figures.breach_rate).toBeNull();
    expect(figures.sentiment).toBeNull();
    expect(figures.satisfaction).toBeNull();
    expect(figures.opened).toBe(0);
    expect(figures.requests_per_1000).toBe(1.2);
  });

  it('keeps every value and the city apart, whatever the city’s own value says', () => {
    const overview = overviewOf({ segments: [segment('1'), segment('2'), segment(null)], city: segment('city', { opened: 240 }) }, QUERY);
    expect(overview.segments.map((item) => item.value)).toEqual(['1', '2']);
    expect(overview.city.value).toBeNull();
    expect(overview.city.opened).toBe(240);
    expect(overview).toMatchObject(QUERY);
  });

  it('answers an empty overview for an answer that is not one', () => {
    const overview = overviewOf('nonsense', QUERY);
    expect(overview.segments).toEqual([]);
    expect(overview.city.opened).toBe(0);
    expect(overview.city.breach_rate).toBeNull();
  });
});

describe('DeskApi’s overview route', () => {
  it('asks for the dimension and the days only, and reads what comes back', async () => {
    const seen: URL[] = [];
    const fetcher = vi.fn(async (input: RequestInfo | URL) => {
      seen.push(new URL(String(input)));
      return new Response(JSON.stringify({ segments: [segment('3')], city: segment(null) }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    const api = new DeskApi(new ApiClient({ baseUrl: 'https://desk.example', token: async () => 'id-token', fetch: fetcher }));

    const overview = await api.insightOverview({ ...QUERY, metric: 'breach_rate' } as typeof QUERY);

    expect(seen[0]?.pathname).toBe('/api/desk/v1/insights/segments');
    expect(Object.fromEntries(seen[0]?.searchParams ?? [])).toEqual({ dimension: 'district', since: '2026-01-01', until: '2026-03-31' });
    expect(overview.segments[0]?.value).toBe('3');
    expect(overview.city.satisfaction).toBe(4.2);
  });
});
