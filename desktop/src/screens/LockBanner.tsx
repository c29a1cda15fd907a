/**
 * The lock of the request on screen: who holds it, keeping it while the user works, and
 * letting it go when they leave.
 *
 * Opening a request takes its lock (the API's `POST …/lock`); while it is the user's, the
 * page renews it every few minutes as long as the user is active on it, and releases it
 * when the user leaves the request, in the app or by closing the page. When another
 * staff member holds it, a banner says who and until when, the write controls are
 * disabled, and a supervisor may take the request over.
 */

import { createContext, type RefObject, useContext, useEffect, useRef } from 'react';

import { ApiError } from '../api/client';
import type { RequestLock } from '../api/types';
import { hasRole } from '../auth/roles';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { ACTIVITY_EVENTS, CHECK_EVERY_MS, RenewalClock } from './LockRenewal';

/** The id of the banner, which the disabled write controls point to for their reason. */
export const LOCK_BANNER_ID = 'lock-banner';

/** Whether an answer says another staff member holds the request's lock. */
export function isLocked(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'locked';
}

interface LockGuard {
  /** Another staff member holds the lock: writing is pointless until it is free. */
  readonly held: boolean;
  /** A write found the request locked: show who holds it. */
  readonly lost: () => void;
}

const LockContext = createContext<LockGuard>({ held: false, lost: () => undefined });

/** Gives the request's forms the lock's state. */
export const LockGuardProvider = LockContext.Provider;

/**
 * For a form of the request: whether its submit button is to be disabled, and (given the
 * form's last failure) a word to the page when the API refused it for the lock.
 */
export function useLockGuard(error: unknown): { readonly disabled: boolean; readonly describedBy?: string } {
  const { held, lost } = useContext(LockContext);
  const refused = isLocked(error);
  useEffect(() => {
    if (refused) {
      lost();
    }
  }, [refused, lost]);
  return held ? { disabled: true, describedBy: LOCK_BANNER_ID } : { disabled: false };
}

/**
 * Keep the lock while the user works on the request, and release it when they leave.
 *
 * `holdingRef` is set by whoever takes the lock; `mine` is what the latest detail says
 * (`null` before the detail arrives). `onLost` runs when a renewal finds that someone
 * else holds the lock now; `onBack` when the page comes back from the browser's cache.
 */
export function useLockKeeping({
  reference,
  holdingRef,
  mine,
  onLost,
  onBack,
}: {
  readonly reference: string;
  readonly holdingRef: RefObject<boolean>;
  readonly mine: boolean | null;
  readonly onLost: () => void;
  readonly onBack: () => void;
}): void {
  const { api } = useDesk();
  const callbacks = useRef({ onLost, onBack });
  useEffect(() => {
    callbacks.current = { onLost, onBack };
  }, [onLost, onBack]);
  useEffect(() => {
    if (mine !== null) {
      holdingRef.current = mine;
    }
  }, [holdingRef, mine]);

  useEffect(() => {
    if (mine !== true) {
      return undefined;
    }
    const clock = new RenewalClock(Date.now());
    let live = true;
    let pending = false;
    const renew = () => {
      const sentAt = Date.now();
      if (pending || !clock.due(sentAt)) {
        return;
      }
      pending = true;
      api
        .takeLock(reference)
        .then(
          () => clock.renewed(sentAt),
          (error: unknown) => {
            if (live && isLocked(error)) {
              callbacks.current.onLost();
            }
          },
        )
        .finally(() => {
          pending = false;
        });
    };
    const active = () => {
      clock.active(Date.now());
      renew();
    };
    const shown = () => {
      if (document.visibilityState === 'visible') {
        active();
      }
    };
    for (const name of ACTIVITY_EVENTS) {
      window.addEventListener(name, active, { passive: true });
    }
    document.addEventListener('visibilitychange', shown);
    const timer = window.setInterval(renew, CHECK_EVERY_MS);
    return () => {
      live = false;
      for (const name of ACTIVITY_EVENTS) {
        window.removeEventListener(name, active);
      }
      document.removeEventListener('visibilitychange', shown);
      window.clearInterval(timer);
    };
  }, [api, reference, mine]);

  useEffect(() => {
    const leave = () => {
      if (holdingRef.current) {
        holdingRef.current = false;
        api.releaseLock(reference, { keepalive: true }).catch(() => undefined);
      }
    };
    const back = (event: PageTransitionEvent) => {
      if (event.persisted) {
        callbacks.current.onBack();
      }
    };
    window.addEventListener('pagehide', leave);
    window.addEventListener('pageshow', back);
    return () => {
      window.removeEventListener('pagehide', leave);
      window.removeEventListener('pageshow', back);
      leave();
    };
  }, [api, reference, holdingRef]);
}

/**
 * Says who is working on the request and until when; offers to try again and, to
 * supervisors, to take the request over. Renders an empty live region while nobody else
 * holds the lock, so the news is announced when it comes.
 */
export function LockBanner({
  lock,
  busy,
  onRetry,
  onTakeOver,
}: {
  readonly lock: RequestLock | null;
  readonly busy: boolean;
  readonly onRetry: () => void;
  readonly onTakeOver: () => void;
}) {
  const { me } = useDesk();
  const { t, time } = useI18n();
  const held = lock !== null && !lock.mine;
  return (
    <div id={LOCK_BANNER_ID} className={held ? 'notice lock-banner' : 'lock-banner'} role="status">
      {held && (
        <>
          <p>
            <strong>{t('lock.heldBy', { name: lock.holder_name, time: time(lock.expires_at) })}</strong>
          </p>
          <p>{t('lock.readOnly')}</p>
          <div className="form-buttons">
            <button type="button" className="button-secondary" onClick={onRetry} disabled={busy}>
              {t('lock.retry')}
            </button>
            {hasRole(me, 'supervisor') && (
              <button type="button" onClick={onTakeOver} disabled={busy}>
                {busy ? t('lock.takingOver') : t('lock.takeOver')}
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
