/** A request's alarms on its detail, each with a way to clear it once handled. */

import { useState } from 'react';

import type { Alarm, RequestRecord } from '../api/types';
import { STANDING_ALARMS } from '../api/types';
import { worksRequests } from '../auth/roles';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { useLockGuard } from '../screens/LockBanner';
import { useAction } from './action';
import { ErrorNotice } from './common';

export function RequestAlarms({
  request,
  onDone,
}: {
  readonly request: RequestRecord;
  readonly onDone: (announcement: string) => void;
}) {
  const { api, me } = useDesk();
  const { t, word } = useI18n();
  const [note, setNote] = useState('');
  const action = useAction();
  const lock = useLockGuard(action.error);
  const alarms = request.alarms ?? [];
  const acting = worksRequests(me);
  const clear = (alarm: Alarm) =>
    void action
      .run(() => api.clearAlarm(request.reference, alarm, note).then(() => undefined))
      .then((ok) => {
        if (ok) {
          setNote('');
          onDone(t('alarms.cleared', { alarm: word('alarm', alarm) }));
        }
      });
  return (
    <section className="card alarms" aria-labelledby="alarms-title">
      <h3 id="alarms-title">{t('alarms.title')}</h3>
      {alarms.length === 0 ? (
        <p>{t('alarms.none')}</p>
      ) : (
        <>
          {action.error !== null && <ErrorNotice error={action.error} />}
          <ul className="alarm-list">
            {alarms.map((alarm) => (
              <li key={alarm} className={`alarm-item alarm-${alarm}`}>
                <span className="alarm-badge">{word('alarm', alarm)}</span>
                {STANDING_ALARMS.includes(alarm) ? (
                  <span className="hint">{t('alarms.standing')}</span>
                ) : (
                  acting && (
                    <button
                      type="button"
                      className="button-secondary"
                      aria-label={t('alarms.clearLabel', { alarm: word('alarm', alarm) })}
                      disabled={action.busy || lock.disabled}
                      aria-describedby={lock.describedBy}
                      onClick={() => clear(alarm)}
                    >
                      {t('alarms.clear')}
                    </button>
                  )
                )}
              </li>
            ))}
          </ul>
          {acting && alarms.some((alarm) => !STANDING_ALARMS.includes(alarm)) && (
            <div className="field">
              <label htmlFor="alarm-note">{t('alarms.note')}</label>
              <input id="alarm-note" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} />
            </div>
          )}
        </>
      )}
    </section>
  );
}
