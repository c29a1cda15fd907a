import { describe, expect, it } from 'vitest';

import { RENEW_EVERY_MS, RenewalClock } from './LockRenewal';

const MINUTE = 60_000;

describe('when a held lock is renewed', () => {
  it('waits for the renewal interval even while the user is busy', () => {
    const clock = new RenewalClock(0);
    clock.active(MINUTE);
    expect(clock.due(RENEW_EVERY_MS - 1)).toBe(false);
    expect(clock.due(RENEW_EVERY_MS)).toBe(true);
  });

  it('does not renew for a user who has done nothing since the last renewal', () => {
    const clock = new RenewalClock(0);
    expect(clock.due(9 * MINUTE)).toBe(false);
    clock.active(MINUTE);
    clock.renewed(4 * MINUTE);
    expect(clock.due(8 * MINUTE)).toBe(false);
  });

  it('renews as soon as a user comes back after the interval passed', () => {
    const clock = new RenewalClock(0);
    expect(clock.due(7 * MINUTE)).toBe(false);
    clock.active(7 * MINUTE);
    expect(clock.due(7 * MINUTE)).toBe(true);
  });

  it('counts from when the last renewal was sent', () => {
    const clock = new RenewalClock(0);
    clock.active(4 * MINUTE);
    clock.renewed(4 * MINUTE);
    clock.active(5 * MINUTE);
    expect(clock.due(7 * MINUTE)).toBe(false);
    expect(clock.due(8 * MINUTE)).toBe(true);
  });
});
