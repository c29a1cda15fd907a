import { describe, expect, it } from 'vitest';

import { cityTimeToIso, inQuietHours, isoToCityTime } from './schedule';

describe('campaign schedule', () => {
  it('reads a wall-clock time on the city’s clock, winter and summer', () => {
    expect(cityTimeToIso('2026-01-15T10:30')).toBe('2026-01-15T09:30:00.000Z');
    expect(cityTimeToIso('2026-07-15T10:30')).toBe('2026-07-15T08:30:00.000Z');
    expect(cityTimeToIso('')).toBeNull();
    expect(cityTimeToIso('tomorrow')).toBeNull();
  });

  it('gives back the wall-clock time it read', () => {
    expect(isoToCityTime(cityTimeToIso('2026-03-29T18:05'))).toBe('2026-03-29T18:05');
    expect(isoToCityTime(null)).toBe('');
  });

  it('knows the quiet hours', () => {
    expect(inQuietHours('2026-01-15T20:30:00Z')).toBe(true);
    expect(inQuietHours('2026-01-15T07:59:00Z')).toBe(true);
    expect(inQuietHours('2026-01-15T08:00:00Z')).toBe(false);
    expect(inQuietHours('2026-01-15T19:59:00Z')).toBe(false);
  });
});
