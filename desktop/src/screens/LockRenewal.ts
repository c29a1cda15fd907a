/**
 * When the desktop renews the lock of the request on screen: every few minutes, and only
 * while the user is there. A user who walks away lets the lock lapse on the server, so a
 * colleague can take the request over without asking a supervisor.
 */

/** How often a held lock is renewed while the user is active (the API's lock lasts 10 minutes). */
export const RENEW_EVERY_MS = 4 * 60_000;

/** How often the page looks whether a renewal is due. */
export const CHECK_EVERY_MS = 30_000;

/** What the page counts as the user being active on it (a tab shown again counts too). */
export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/** Knows when the lock was last renewed and when the user last did something. */
export class RenewalClock {
  private renewedAt: number;
  private activeAt: number | null = null;

  constructor(
    now: number,
    private readonly every: number = RENEW_EVERY_MS,
  ) {
    this.renewedAt = now;
  }

  /** The user did something on the page at `now`. */
  active(now: number): void {
    this.activeAt = now;
  }

  /** A renewal was sent at `sentAt` and the server took it. */
  renewed(sentAt: number): void {
    this.renewedAt = sentAt;
  }

  /** Whether to renew at `now`: long enough since the last renewal, with activity since. */
  due(now: number): boolean {
    return this.activeAt !== null && this.activeAt >= this.renewedAt && now - this.renewedAt >= this.every;
  }
}
