/** Validate or reassign the selected requests at once, then say which were done and which not. */

import { type SyntheticEvent, useEffect, useState } from 'react';

import type { BulkResult, GroupEntry } from '../api/types';
import { groupName } from '../city';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { keyOf } from '../i18n/messages';
import { useAction } from './action';
import { ErrorNotice } from './common';

/** The most requests one bulk action takes, as the API allows. */
export const MAX_BULK = 50;

type Target = Pick<GroupEntry, 'code' | 'name'>;

/**
 * The groups the selection may be reassigned to: the group's configured targets, or the
 * caller's own groups when the targets cannot be read.
 */
function useTargets(group: string): readonly Target[] {
  const { api, me } = useDesk();
  const { language } = useI18n();
  const [targets, setTargets] = useState<readonly Target[]>([]);
  useEffect(() => {
    let live = true;
    const own = me.groups.map((code) => ({ code, name: groupName(code, language) }));
    api.reassignTargets(group, language).then(
      (answer) => live && setTargets(answer.items.length > 0 ? answer.items : own),
      () => live && setTargets(own),
    );
    return () => {
      live = false;
    };
  }, [api, group, language, me.groups]);
  return targets;
}

function Outcome({ result }: { readonly result: BulkResult }) {
  const { t, count } = useI18n();
  const { language } = useI18n();
  const failed = result.items.filter((item) => !item.ok);
  const reason = (code: string) => {
    const key = keyOf('error', code);
    return t(key ?? 'error.generic');
  };
  return (
    <div className={`notice ${failed.length > 0 ? 'notice-error' : 'notice-ok'} bulk-result`} role="status">
      <p>{count('bulk.done', result.done)}</p>
      {failed.length > 0 && (
        <>
          <p>{count('bulk.failed', failed.length)}</p>
          <ul className="bulk-failures" lang={language}>
            {failed.map((item) => (
              <li key={item.reference}>
                {t('bulk.failedItem', { reference: item.reference, reason: reason(item.error?.code ?? '') })}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function BulkActions({
  group,
  selected,
  onDone,
}: {
  readonly group: string;
  readonly selected: readonly string[];
  readonly onDone: () => void;
}) {
  const { api } = useDesk();
  const { t, count } = useI18n();
  const action = useAction();
  const targets = useTargets(group);
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const [result, setResult] = useState<BulkResult | null>(null);
  const tooMany = selected.length > MAX_BULK;
  const none = selected.length === 0;

  const finish = async (work: () => Promise<BulkResult>) => {
    setResult(null);
    await action.run(async () => {
      setResult(await work());
      onDone();
    });
  };
  const validate = () => void finish(() => api.bulkValidate(selected));
  const reassign = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!target) {
      setProblem(t('bulk.groupMissing'));
      return;
    }
    if (!reason.trim()) {
      setProblem(t('bulk.reasonMissing'));
      return;
    }
    setProblem('');
    void finish(() => api.bulkReassign(selected, target, reason.trim()));
  };

  return (
    <section className="bulk" aria-labelledby="bulk-title">
      <h2 id="bulk-title">{t('bulk.title')}</h2>
      <p className="bulk-selected" aria-live="polite">
        {count('bulk.selected', selected.length)}
      </p>
      {tooMany && (
        <p className="notice notice-error" role="alert">
          {t('bulk.tooMany', { max: String(MAX_BULK) })}
        </p>
      )}
      <div className="bulk-tools">
        <button type="button" onClick={validate} disabled={none || tooMany || action.busy}>
          {t('bulk.validate')}
        </button>
        <form className="bulk-reassign" onSubmit={reassign}>
          <div className="field field-compact">
            <label htmlFor="bulk-group">{t('bulk.group')}</label>
            <select id="bulk-group" value={target} onChange={(event) => setTarget(event.target.value)}>
              <option value="">{t('groups.chooseTarget')}</option>
              {targets.map((entry) => (
                <option key={entry.code} value={entry.code}>
                  {entry.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-compact">
            <label htmlFor="bulk-reason">{t('bulk.reason')}</label>
            <input id="bulk-reason" value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
          </div>
          <button type="submit" className="button-secondary" disabled={none || tooMany || action.busy}>
            {t('bulk.reassign')}
          </button>
        </form>
      </div>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {action.busy && <p role="status">{t('bulk.busy')}</p>}
      {action.error !== null && <ErrorNotice error={action.error} />}
      {result && <Outcome result={result} />}
    </section>
  );
}
