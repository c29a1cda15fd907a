/** A citizen's data-protection rights on the desk: export everything held, or erase it. */

import { useState } from 'react';

import type { CitizenView, Erasure } from '../api/types';
import { useAction } from '../components/action';
import { ErrorNotice, Facts } from '../components/common';
import { ConfirmDialog } from '../components/Dialog';
import { download, exportFileName, jsonBlob } from '../components/download';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { keyOf } from '../i18n/messages';

/** The API asks for a reason of 3 to 500 characters. */
export const ERASURE_REASON_MIN = 3;

/** What an erasure did, kind by kind, in the order the catalogue names them. */
export function ErasureResult({ erasure }: { readonly erasure: Erasure }) {
  const { t, word, number } = useI18n();
  const kinds = Object.entries(erasure.erased).filter(([, count]) => count > 0);
  if (kinds.length === 0) {
    return <p>{t('privacy.erasedNothing')}</p>;
  }
  return (
    <Facts
      items={kinds.map(([kind, count]) => [keyOf('privacy.kind', kind) ? word('privacy.kind', kind) : kind, number(count)] as const)}
    />
  );
}

export function DataProtection({
  view,
  onExported,
  onErased,
}: {
  readonly view: CitizenView;
  readonly onExported: (announcement: string) => void;
  readonly onErased: (erasure: Erasure) => void;
}) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const citizen = view.citizen;
  const name = citizen.display_name ?? t('citizen.noName');
  const exporting = useAction();
  const erasing = useAction();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [understood, setUnderstood] = useState(false);

  const exportAll = () => {
    const saved: { file: string } = { file: '' };
    void exporting
      .run(async () => {
        const data = await api.exportCitizen(citizen.citizen_id);
        saved.file = exportFileName(data.citizen_id || citizen.citizen_id, new Date());
        download(jsonBlob(data), saved.file);
      })
      .then((ok) => ok && onExported(t('privacy.exported', { file: saved.file })));
  };

  const erase = () => {
    if (reason.trim().length < ERASURE_REASON_MIN || !understood) {
      return;
    }
    const result: { erasure: Erasure | null } = { erasure: null };
    void erasing
      .run(async () => {
        result.erasure = await api.eraseCitizen(citizen.citizen_id, reason.trim());
      })
      .then((ok) => {
        if (ok && result.erasure) {
          setConfirming(false);
          setReason('');
          setUnderstood(false);
          onErased(result.erasure);
        }
      });
  };

  return (
    <section className="card privacy" aria-labelledby="privacy-title">
      <h2 id="privacy-title">{t('privacy.title')}</h2>
      <p className="hint">{t('privacy.intro')}</p>
      {exporting.error !== null && <ErrorNotice error={exporting.error} />}
      <div className="form-buttons">
        <button type="button" className="button-secondary" onClick={exportAll} disabled={exporting.busy}>
          {exporting.busy ? t('privacy.exporting') : t('privacy.export')}
        </button>
        <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
          {t('privacy.erase')}
        </button>
      </div>
      <ConfirmDialog
        id="erasure-confirm"
        open={confirming}
        title={t('privacy.eraseTitle', { name })}
        confirm={t('privacy.eraseConfirm')}
        busy={erasing.busy}
        danger
        onConfirm={erase}
        onCancel={() => setConfirming(false)}
      >
        {erasing.error !== null && <ErrorNotice error={erasing.error} />}
        <ul className="consequences">
          <li>{t('privacy.erase.contacts')}</li>
          <li>{t('privacy.erase.requests', { requests: i18n.count('merge.requests', view.requests.length) })}</li>
          <li>{t('privacy.erase.merged')}</li>
          <li>
            <strong>{t('privacy.erase.final')}</strong>
          </li>
        </ul>
        <div className="field">
          <label htmlFor="erasure-reason">{t('privacy.reason')}</label>
          <textarea
            id="erasure-reason"
            rows={2}
            value={reason}
            minLength={ERASURE_REASON_MIN}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            aria-describedby="erasure-reason-hint"
            required
          />
          <span id="erasure-reason-hint" className="hint">
            {t('privacy.reasonHint')}
          </span>
        </div>
        <label className="choice">
          <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} required />
          {t('privacy.understand')}
        </label>
      </ConfirmDialog>
    </section>
  );
}
