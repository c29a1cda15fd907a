import { describe, expect, it } from 'vitest';

import { cityDate, cityDayEnd, cityDayStart, formatBytes } from './format';

describe('days on the city’s clock', () => {
  it.each([
    ['2026-01-15', '2026-01-14T23:00:00.000Z'],
    ['2026-07-01', '2026-06-30T22:00:00.000Z'],
    ['2026-03-29', '2026-03-28T23:00:00.000Z'],
    ['2026-03-30', '2026-03-29T22:00:00.000Z'],
    ['2026-10-25', '2026-10-24T22:00:00.000Z'],
  ])('begins %s at %s, in winter, in summer and on the days the clock changes', (day, instant) => {
    expect(cityDayStart(day).toISOString()).toBe(instant);
  });

  it('ends a day one millisecond before the next begins, even when the day has 25 hours', () => {
    expect(cityDayEnd('2026-10-25').toISOString()).toBe('2026-10-25T22:59:59.999Z');
    expect(cityDayEnd('2026-07-01').toISOString()).toBe('2026-07-01T21:59:59.999Z');
  });

  it('names the city’s day of an instant, which is not always the UTC day', () => {
    expect(cityDate(new Date('2026-06-30T22:30:00Z'))).toBe('2026-07-01');
    expect(cityDate(new Date('2026-06-30T21:30:00Z'))).toBe('2026-06-30');
  });

  it('refuses what is not a day', () => {
    expect(() => cityDayStart('1/7/2026')).toThrow(RangeError);
  });
});

describe('formatBytes', () => {
  it('shows megabytes, kilobytes and bytes in the language', () => {
    expect(formatBytes(10 * 1024 * 1024, 'en')).toBe('10 MB');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(1536, 'ca')).toMatch(/^1,5\skB$/);
    expect(formatBytes(12, 'es')).toMatch(/^12\sB$/);
  });
});
