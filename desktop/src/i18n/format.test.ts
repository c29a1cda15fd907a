import { describe, expect, it } from 'vitest';

import {
  formatCoordinates,
  formatCost,
  formatDate,
  formatDateTime,
  formatDistance,
  formatDuration,
  formatList,
  formatNumber,
  formatRelative,
  formatTime,
} from './format';

const NBSP = /[\u00a0\u202f]/g;
const plain = (text: string): string => text.replace(NBSP, ' ');

describe('formatDateTime', () => {
  it('shows the time on Barcelona’s clock (UTC+1 in winter, UTC+2 in summer)', () => {
    expect(formatDateTime('2026-03-05T10:30:00Z', 'en')).toContain('11:30');
    expect(formatDateTime('2026-07-05T10:30:00Z', 'en')).toContain('12:30');
  });

  it('names the month in the chosen language', () => {
    expect(formatDateTime('2026-03-05T10:30:00Z', 'en')).toMatch(/Mar/);
    expect(formatDateTime('2026-03-05T10:30:00Z', 'ca')).toMatch(/març/);
    expect(formatDateTime('2026-03-05T10:30:00Z', 'es')).toMatch(/mar/);
    expect(formatDateTime('2026-03-05T10:30:00Z', 'es')).not.toMatch(/Mar\b/);
  });

  it('refuses a string that is not a time', () => {
    expect(() => formatDateTime('yesterday', 'en')).toThrow(RangeError);
  });
});

describe('formatDate', () => {
  it('shows the day on Barcelona’s calendar', () => {
    expect(formatDate('2026-03-05T23:30:00Z', 'en')).toBe('6 Mar 2026');
  });
});

describe('formatCoordinates', () => {
  it('keeps five decimals and never confuses the decimal comma with the separator', () => {
    expect(formatCoordinates(41.3917, 2.1649, 'ca')).toBe('41,39170; 2,16490');
    expect(formatCoordinates(41.3917, 2.1649, 'en')).toBe('41.39170; 2.16490');
  });
});

describe('formatTime', () => {
  it('shows only the time of day', () => {
    expect(formatTime('2026-03-05T10:30:00Z', 'ca')).toBe('11:30');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-03-05T12:00:00Z');

  it('speaks of the future and the past in each language', () => {
    expect(formatRelative('2026-03-05T15:00:00Z', now, 'en')).toBe('in 3 hours');
    expect(formatRelative('2026-03-05T09:00:00Z', now, 'en')).toBe('3 hours ago');
    expect(formatRelative('2026-03-05T15:00:00Z', now, 'es')).toBe('dentro de 3 horas');
    expect(formatRelative('2026-03-05T15:00:00Z', now, 'ca')).toBe('d’aquí a 3 hores');
  });

  it('chooses days past a day and minutes under an hour', () => {
    expect(formatRelative('2026-03-08T12:00:00Z', now, 'en')).toBe('in 3 days');
    expect(formatRelative('2026-03-05T12:20:00Z', now, 'en')).toBe('in 20 minutes');
    expect(formatRelative('2026-03-05T12:00:10Z', now, 'en')).toBe('this minute');
  });
});

describe('formatDuration', () => {
  it('reads a negative span as the past', () => {
    expect(formatDuration(-600, 'en')).toBe('10 minutes ago');
    expect(formatDuration(-600, 'es')).toBe('hace 10 minutos');
  });
});

describe('formatNumber', () => {
  it('uses each language’s separators', () => {
    expect(formatNumber(12345.5, 'en')).toBe('12,345.5');
    expect(formatNumber(12345.5, 'ca')).toBe('12.345,5');
    expect(formatNumber(12345.5, 'es')).toBe('12.345,5');
  });
});

describe('formatCost', () => {
  it('shows euros with up to four decimals for SMS prices', () => {
    expect(plain(formatCost(0.0725, 'en'))).toBe('€0.0725');
    expect(plain(formatCost(0.145, 'ca'))).toBe('0,145 €');
    expect(plain(formatCost(2, 'es'))).toBe('2,00 €');
  });
});

describe('formatDistance', () => {
  it('shows metres, and kilometres from one upward', () => {
    expect(plain(formatDistance(42, 'en'))).toBe('42 m');
    expect(plain(formatDistance(1540, 'ca'))).toBe('1,5 km');
  });
});

describe('formatList', () => {
  it('joins with the language’s conjunction', () => {
    expect(formatList(['Català', 'Español'], 'ca')).toBe('Català i Español');
    expect(formatList(['Català', 'Español'], 'es')).toBe('Català y Español');
    expect(formatList(['Català', 'Español'], 'en')).toBe('Català and Español');
  });
});
