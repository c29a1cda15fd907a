/** A campaign's recipients, one page at a time, optionally of one state. */

import { useState } from 'react';

import type { Recipient, RecipientState } from '../api/engage';
import { ErrorNotice, Loading, When } from '../components/common';
import { useLoad } from '../components/load';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';

export function RecipientTable({ campaignId, state }: { readonly campaignId: string; readonly state: RecipientState | null }) {
  const { api } = useDesk();
  const { t, word } = useI18n();
  const [pages, setPages] = useState<readonly (string | null)[]>([null]);
  const [more, setMore] = useState<readonly Recipient[]>([]);
  const first = useLoad(() => api.recipients(campaignId, state, null), [api, campaignId, state]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (first.state.status === 'loading') {
    return <Loading />;
  }
  if (first.state.status === 'failed') {
    return <ErrorNotice error={first.state.error} onRetry={first.reload} />;
  }
  const items = [...first.state.data.items, ...more];
  const next = cursor === undefined ? first.state.data.cursor : cursor;
  const loadMore = () => {
    if (next === null) {
      return;
    }
    setLoadingMore(true);
    api.recipients(campaignId, state, next).then(
      (page) => {
        setMore((old) => [...old, ...page.items]);
        setCursor(page.cursor);
        setPages((old) => [...old, next]);
        setLoadingMore(false);
      },
      (failure: unknown) => {
        setError(failure);
        setLoadingMore(false);
      },
    );
  };
  if (items.length === 0) {
    return <p className="empty">{t('recipients.none')}</p>;
  }
  return (
    <>
      <table className="table recipients-table" data-pages={pages.length}>
        <caption className="visually-hidden">{t('recipients.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('segments.citizen')}</th>
            <th scope="col">{t('column.state')}</th>
            <th scope="col">{t('column.channel')}</th>
            <th scope="col">{t('column.when')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.citizen_id} data-state={item.state}>
              <td className="reference">{item.citizen_id}</td>
              <td>{word('recipient', item.state)}</td>
              <td>{item.channel ? word('channel', item.channel) : '—'}</td>
              <td>{item.at ? <When iso={item.at} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error !== null && <ErrorNotice error={error} />}
      {next !== null && (
        <button type="button" className="button-secondary more" onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? t('worklist.loadingMore') : t('worklist.more')}
        </button>
      )}
    </>
  );
}
