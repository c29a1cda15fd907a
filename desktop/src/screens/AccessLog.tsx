/** The access log: who opened which citizen's data, when and why (administrators only). */

import { type SyntheticEvent, useEffect, useState } from 'react';

import type { AccessQuery, AccessRecord } from '../api/types';
import { isAdministrator } from '../auth/roles';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';
import { type AccessFilter, accessFilterFrom, accessQueryOf, accessSearchOf } from './accessQuery';

interface Page {
  readonly items: readonly AccessRecord[];
  readonly cursor: string | null;
}

function Records({
  items,
  onUser,
  onCitizen,
}: {
  readonly items: readonly AccessRecord[];
  readonly onUser: (userId: string) => void;
  readonly onCitizen: (citizenId: string) => void;
}) {
  const { t, word, dateTime } = useI18n();
  return (
    <table className="table access-table">
      <caption className="visually-hidden">{t('access.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('column.when')}</th>
          <th scope="col">{t('column.staff')}</th>
          <th scope="col">{t('column.citizen')}</th>
          <th scope="col">{t('column.reason')}</th>
          <th scope="col">{t('column.route')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item, index) => (
          <tr key={`${item.at}-${item.citizen_id}-${item.user_id}-${index}`}>
            <th scope="row">
              <time dateTime={item.at}>{dateTime(item.at)}</time>
            </th>
            <td>
              <span className="access-who">{item.username}</span>
              <button
                type="button"
                className="button-link"
                onClick={() => onUser(item.user_id)}
                aria-label={t('access.onlyUserLabel', { name: item.username })}
              >
                {t('access.onlyUser')}
              </button>
            </td>
            <td>
              <Link to={paths.citizen(item.citizen_id)} className="reference">
                {item.citizen_id}
              </Link>
              <button
                type="button"
                className="button-link"
                onClick={() => onCitizen(item.citizen_id)}
                aria-label={t('access.onlyCitizenLabel', { id: item.citizen_id })}
              >
                {t('access.onlyCitizen')}
              </button>
            </td>
            <td>{word('access.reason', item.reason)}</td>
            <td className="access-route">{item.route}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Filters({ asked, onAsk }: { readonly asked: AccessFilter; readonly onAsk: (filter: AccessFilter) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(asked);
  const [shown, setShown] = useState(asked);
  if (accessSearchOf(shown) !== accessSearchOf(asked)) {
    setShown(asked);
    setDraft(asked);
  }
  const set = (field: keyof AccessFilter, value: string) => setDraft((now) => ({ ...now, [field]: value }));
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onAsk(draft);
  };
  return (
    <form className="card access-filters" role="search" aria-label={t('access.filters')} onSubmit={submit}>
      <div className="field field-grow">
        <label htmlFor="access-citizen">{t('access.citizen')}</label>
        <input
          id="access-citizen"
          value={draft.citizen_id}
          onChange={(event) => set('citizen_id', event.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="field field-grow">
        <label htmlFor="access-user">{t('access.user')}</label>
        <input
          id="access-user"
          value={draft.user_id}
          onChange={(event) => set('user_id', event.target.value)}
          aria-describedby="access-user-hint"
          autoComplete="off"
          spellCheck={false}
        />
        <span id="access-user-hint" className="hint">
          {t('access.userHint')}
        </span>
      </div>
      <div className="field">
        <label htmlFor="access-since">{t('access.since')}</label>
        <input id="access-since" type="date" value={draft.since} onChange={(event) => set('since', event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="access-until">{t('access.until')}</label>
        <input id="access-until" type="date" value={draft.until} onChange={(event) => set('until', event.target.value)} />
      </div>
      <button type="submit">{t('access.submit')}</button>
    </form>
  );
}

export function AccessLog() {
  const { api, me } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const { search, navigate } = useNavigation();
  const asked = accessFilterFrom(search);
  const key = accessSearchOf(asked);
  const question = accessQueryOf(asked);
  const [page, setPage] = useState<{ key: string; page: Page } | null>(null);
  const [error, setError] = useState<{ key: string; error: unknown } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [round, setRound] = useState(0);
  const allowed = isAdministrator(me);
  const query: AccessQuery | null = typeof question === 'string' ? null : question;

  useEffect(() => {
    if (!allowed || query === null) {
      return undefined;
    }
    let live = true;
    api.accessLog(query, null).then(
      (answer) => {
        if (live) {
          setError(null);
          setPage({ key, page: { items: answer.items, cursor: answer.next_cursor } });
        }
      },
      (failure: unknown) => live && setError({ key, error: failure }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` names the question
  }, [api, allowed, key, round]);

  if (!allowed) {
    return (
      <>
        <ScreenTitle>{t('access.title')}</ScreenTitle>
        <p className="notice notice-error" role="alert">
          {t('access.forbidden')}
        </p>
      </>
    );
  }

  const ask = (filter: AccessFilter) => navigate(paths.accessLog(accessSearchOf(filter)));
  const current = page?.key === key ? page.page : null;
  const failure = error?.key === key ? error.error : null;

  const more = async () => {
    if (!current?.cursor || query === null) {
      return;
    }
    setLoadingMore(true);
    try {
      const answer = await api.accessLog(query, current.cursor);
      setPage({ key, page: { items: [...current.items, ...answer.items], cursor: answer.next_cursor } });
    } catch (caught) {
      setError({ key, error: caught });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <div className="access-log">
      <ScreenTitle>{t('access.title')}</ScreenTitle>
      <p className="hint">{t('access.intro')}</p>
      <Filters asked={asked} onAsk={ask} />
      {question === 'dates_reversed' && (
        <p className="notice notice-error" role="alert">
          {t('access.datesReversed')}
        </p>
      )}
      {question === 'needs_someone' && key !== '' && (
        <p className="notice notice-error" role="alert">
          {t('access.needsSomeone')}
        </p>
      )}
      {question === 'needs_someone' && key === '' && <p className="notice">{t('access.needsSomeone')}</p>}
      {failure !== null && <ErrorNotice error={failure} onRetry={() => setRound((n) => n + 1)} />}
      {query !== null && current === null && failure === null && <Loading />}
      {current !== null && (
        <section aria-labelledby="access-results-title" className="results">
          <h2 id="access-results-title" className="results-count" aria-live="polite">
            {current.items.length === 0 ? t('access.empty') : i18n.count('access.showing', current.items.length)}
          </h2>
          {current.items.length > 0 && (
            <Records
              items={current.items}
              onUser={(userId) => ask({ ...asked, user_id: userId })}
              onCitizen={(citizenId) => ask({ ...asked, citizen_id: citizenId })}
            />
          )}
          {current.cursor && (
            <button type="button" className="button-secondary more" onClick={() => void more()} disabled={loadingMore}>
              {loadingMore ? t('worklist.loadingMore') : t('worklist.more')}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
