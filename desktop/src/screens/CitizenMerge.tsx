/** Merge two records of one person: find the other, choose which stays, confirm, and undo. */

import { type SyntheticEvent, useRef, useState } from 'react';

import type { CitizenMatch, CitizenView, Merge, SearchField } from '../api/types';
import { SEARCH_FIELDS } from '../api/types';
import { districtName } from '../city';
import { useAction } from '../components/action';
import { ErrorNotice, Loading } from '../components/common';
import { ConfirmDialog } from '../components/Dialog';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';

const MERGE_EXPLAINED = { conflict: 'merge.conflict' } as const;
const UNDO_EXPLAINED = { conflict: 'merge.undoConflict' } as const;

/** Reason for a merge: the API asks for 3 to 500 characters. */
export const MERGE_REASON_MIN = 3;

type Found =
  | { readonly status: 'idle' }
  | { readonly status: 'searching' }
  | { readonly status: 'found'; readonly items: readonly CitizenMatch[] }
  | { readonly status: 'failed'; readonly error: unknown };

interface Party {
  readonly id: string;
  readonly name: string;
  readonly requests: number;
}

/** What a finished merge moved, in one sentence. */
export function useMergeNews(): (merge: Merge, survivor: string) => string {
  const i18n = useI18n();
  return (merge, survivor) =>
    i18n.t('merge.done', {
      requests: i18n.count('merge.requests', merge.references.length),
      contacts: i18n.count('merge.contacts', merge.contacts_moved),
      consents: i18n.count('merge.consents', merge.consents_moved),
      survivor,
    });
}

export function MergePanel({
  view,
  onMerged,
}: {
  readonly view: CitizenView;
  readonly onMerged: (merge: Merge, survivorName: string) => void;
}) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t, word, list } = i18n;
  const here = view.citizen;
  const [field, setField] = useState<SearchField>('name');
  const [value, setValue] = useState('');
  const [found, setFound] = useState<Found>({ status: 'idle' });
  const [picked, setPicked] = useState<string>('');
  const [keepHere, setKeepHere] = useState(true);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const round = useRef(0);
  const action = useAction();

  const others = found.status === 'found' ? found.items.filter((item) => item.citizen_id !== here.citizen_id) : [];
  const other = others.find((item) => item.citizen_id === picked) ?? null;
  const nameOf = (name: string | null) => name ?? t('citizen.noName');

  const find = (event: SyntheticEvent) => {
    event.preventDefault();
    const wanted = value.trim();
    if (wanted === '') {
      return;
    }
    const mine = ++round.current;
    setFound({ status: 'searching' });
    setPicked('');
    api.searchCitizens(field, wanted).then(
      (items) => mine === round.current && setFound({ status: 'found', items }),
      (error: unknown) => mine === round.current && setFound({ status: 'failed', error }),
    );
  };

  const thisParty: Party = { id: here.citizen_id, name: nameOf(here.display_name), requests: view.requests.length };
  const otherParty: Party | null = other
    ? { id: other.citizen_id, name: nameOf(other.display_name), requests: other.request_count }
    : null;
  const [survivor, merged] = keepHere ? [thisParty, otherParty] : [otherParty, thisParty];

  const review = (event: SyntheticEvent) => {
    event.preventDefault();
    if (otherParty && reason.trim().length >= MERGE_REASON_MIN) {
      setConfirming(true);
    }
  };

  const confirm = () => {
    if (!survivor || !merged) {
      return;
    }
    const result: { merge: Merge | null } = { merge: null };
    void action
      .run(async () => {
        result.merge = await api.mergeCitizens(survivor.id, merged.id, reason.trim());
      })
      .then((ok) => {
        if (ok && result.merge) {
          setConfirming(false);
          setFound({ status: 'idle' });
          setPicked('');
          setValue('');
          setReason('');
          onMerged(result.merge, survivor.name);
        }
      });
  };

  return (
    <section className="card merge" aria-labelledby="merge-title">
      <h2 id="merge-title">{t('merge.title')}</h2>
      <p className="hint">{t('merge.intro')}</p>
      <form className="merge-search" role="search" aria-label={t('merge.find')} onSubmit={find}>
        <div className="field">
          <label htmlFor="merge-by">{t('search.by')}</label>
          <select id="merge-by" value={field} onChange={(event) => setField(event.target.value as SearchField)}>
            {SEARCH_FIELDS.map((code) => (
              <option key={code} value={code}>
                {t(`search.field.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="merge-value">{t('merge.find')}</label>
          <input
            id="merge-value"
            type={field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text'}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            aria-describedby="merge-value-hint"
            autoComplete="off"
            spellCheck={false}
            required
          />
          <span id="merge-value-hint" className="hint">
            {t(`search.hint.${field}`)}
          </span>
        </div>
        <button type="submit" className="button-secondary">
          {t('search.submit')}
        </button>
      </form>
      <div aria-live="polite">
        {found.status === 'searching' && <Loading />}
        {found.status === 'found' && others.length === 0 && <p className="empty">{t('merge.none')}</p>}
      </div>
      {found.status === 'failed' && <ErrorNotice error={found.error} />}
      {others.length > 0 && (
        <form onSubmit={review}>
          <fieldset className="choices-list">
            <legend>{t('merge.pick')}</legend>
            {others.map((item) => (
              <label key={item.citizen_id} className="choice">
                <input
                  type="radio"
                  name="merge-other"
                  value={item.citizen_id}
                  checked={picked === item.citizen_id}
                  onChange={() => setPicked(item.citizen_id)}
                  required
                />
                <span>
                  <strong>{nameOf(item.display_name)}</strong>{' '}
                  <span className="hint">
                    {list([
                      districtName(item.district) ?? t('district.none'),
                      list(item.languages.map((code) => word('lang', code))),
                      i18n.count('merge.requests', item.request_count),
                    ])}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
          {otherParty && (
            <fieldset className="choices-list">
              <legend>{t('merge.keep')}</legend>
              <label className="choice">
                <input type="radio" name="merge-keep" checked={keepHere} onChange={() => setKeepHere(true)} />
                {t('merge.keepThis', { name: thisParty.name })}
              </label>
              <label className="choice">
                <input type="radio" name="merge-keep" checked={!keepHere} onChange={() => setKeepHere(false)} />
                {t('merge.keepOther', { name: otherParty.name })}
              </label>
            </fieldset>
          )}
          <div className="field">
            <label htmlFor="merge-reason">{t('action.reason')}</label>
            <textarea
              id="merge-reason"
              rows={2}
              value={reason}
              minLength={MERGE_REASON_MIN}
              maxLength={500}
              onChange={(event) => setReason(event.target.value)}
              aria-describedby="merge-reason-hint"
              required
            />
            <span id="merge-reason-hint" className="hint">
              {t('merge.reasonHint')}
            </span>
          </div>
          <button type="submit" disabled={!otherParty}>
            {t('merge.review')}
          </button>
        </form>
      )}
      <ConfirmDialog
        id="merge-confirm"
        open={confirming}
        title={t('merge.confirmTitle')}
        confirm={t('merge.confirm')}
        busy={action.busy}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        {action.error !== null && <ErrorNotice error={action.error} explain={MERGE_EXPLAINED} />}
        {survivor && merged && (
          <ul className="consequences">
            <li>
              {t('merge.confirmMoves', {
                requests: i18n.count('merge.requests', merged.requests),
                merged: merged.name,
                survivor: survivor.name,
              })}
            </li>
            <li>{t('merge.confirmTombstone', { merged: merged.name, survivor: survivor.name })}</li>
            <li>{t('merge.confirmUndo')}</li>
          </ul>
        )}
      </ConfirmDialog>
    </section>
  );
}

/** The button that reverses a merge just made, with its refusal when it cannot. */
export function UndoMerge({ merge, onUndone }: { readonly merge: Merge; readonly onUndone: (merge: Merge) => void }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const action = useAction();
  const undo = () => {
    const result: { merge: Merge | null } = { merge: null };
    void action
      .run(async () => {
        result.merge = await api.undoMerge(merge.merge_id);
      })
      .then((ok) => ok && result.merge && onUndone(result.merge));
  };
  return (
    <div className="merge-undo">
      {action.error !== null && <ErrorNotice error={action.error} explain={UNDO_EXPLAINED} />}
      <button type="button" className="button-secondary" onClick={undo} disabled={action.busy}>
        {action.busy ? t('action.working') : t('merge.undo')}
      </button>
    </div>
  );
}
