/** Citizen 360: one person across every channel and back-office system. */

import { useState } from 'react';

import type { CitizenView, Erasure, Merge } from '../api/types';
import { isAdministrator, mergesCitizens, worksRequests } from '../auth/roles';
import { districtName } from '../city';
import { RequestTable } from '../components/RequestTable';
import { ErrorNotice, Facts, Loading, ScreenTitle } from '../components/common';
import { useLoad } from '../components/load';
import { Snapshots } from '../components/Snapshots';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { Link, paths } from '../router';
import { MergePanel, UndoMerge, useMergeNews } from './CitizenMerge';
import { DataProtection, ErasureResult } from './DataProtection';

function Profile({ view }: { readonly view: CitizenView }) {
  const { t, word, list } = useI18n();
  const citizen = view.citizen;
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('citizen.profile')}</h2>
      <Facts
        items={[
          [t('citizen.name'), citizen.display_name ?? t('citizen.noName')],
          [t('citizen.kind'), word('citizen.kind', citizen.kind)],
          [t('citizen.district'), districtName(citizen.district) ?? t('district.none')],
          [t('citizen.neighbourhood'), citizen.neighbourhood ?? '—'],
          [t('citizen.languages'), list(citizen.languages.map((code) => word('lang', code)))],
        ]}
      />
    </section>
  );
}

function Contacts({ view }: { readonly view: CitizenView }) {
  const { t, word } = useI18n();
  const contacts = view.citizen.contacts;
  return (
    <section className="card" aria-labelledby="contacts-title">
      <h2 id="contacts-title">{t('citizen.contacts')}</h2>
      {contacts.length === 0 ? (
        <p className="empty">{t('citizen.noContacts')}</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{t('citizen.contacts')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('column.kind')}</th>
              <th scope="col">{t('column.value')}</th>
              <th scope="col">{t('column.status')}</th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((contact) => (
              <tr key={`${contact.kind}:${contact.value}`}>
                <td>{word('contact', contact.kind)}</td>
                <td className="contact-value">{contact.value}</td>
                <td>
                  <span className={`badge ${contact.verified ? 'badge-ok' : 'badge-neutral'}`}>
                    {contact.verified ? t('contact.verified') : t('contact.unverified')}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Consents({ view }: { readonly view: CitizenView }) {
  const { t, word, date } = useI18n();
  const consents = view.citizen.consents;
  return (
    <section className="card" aria-labelledby="consents-title">
      <h2 id="consents-title">{t('citizen.consents')}</h2>
      {consents.length === 0 ? (
        <p className="empty">{t('citizen.noConsents')}</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{t('citizen.consents')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('column.purpose')}</th>
              <th scope="col">{t('column.channel')}</th>
              <th scope="col">{t('column.status')}</th>
              <th scope="col">{t('column.when')}</th>
            </tr>
          </thead>
          <tbody>
            {consents.map((consent) => (
              <tr key={`${consent.purpose}:${consent.channel}`}>
                <td>{word('consent', consent.purpose)}</td>
                <td>{word('response', consent.channel)}</td>
                <td>
                  <span className={`badge ${consent.granted ? 'badge-ok' : 'badge-neutral'}`}>
                    {consent.granted ? t('consent.granted') : t('consent.refused')}
                  </span>
                </td>
                <td>{consent.at ? <time dateTime={consent.at}>{date(consent.at)}</time> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type News =
  | { readonly kind: 'none' }
  | { readonly kind: 'said'; readonly message: string }
  | { readonly kind: 'merged'; readonly message: string; readonly merge: Merge }
  | { readonly kind: 'erased'; readonly message: string; readonly erasure: Erasure };

export function Citizen({ citizenId }: { readonly citizenId: string }) {
  const { api, me } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => api.citizen(citizenId), [api, citizenId]);
  const [news, setNews] = useState<News>({ kind: 'none' });
  const mergeNews = useMergeNews();
  const view = state.status === 'ready' ? state.data : null;
  const say = (next: News) => {
    setNews(next);
    reload();
  };
  return (
    <div className="citizen">
      <div className="screen-head">
        <ScreenTitle>{view ? (view.citizen.display_name ?? t('citizen.noName')) : t('citizen.title')}</ScreenTitle>
        {view && (
          <div className="screen-tools">
            {worksRequests(me) && (
              <Link className="button-like" to={paths.newRequest(view.citizen.citizen_id)}>
                {t('citizen.logContact')}
              </Link>
            )}
            {isAdministrator(me) && (
              <Link
                className="button-like button-like-secondary"
                to={paths.accessLog(`?${new URLSearchParams({ citizen_id: view.citizen.citizen_id }).toString()}`)}
              >
                {t('citizen.accessLog')}
              </Link>
            )}
          </div>
        )}
      </div>
      <p className="hint">{t('citizen.notice')}</p>
      <div className="notice notice-ok" role="status" aria-live="polite" hidden={news.kind === 'none'}>
        {news.kind !== 'none' && <p>{news.message}</p>}
        {news.kind === 'erased' && <ErasureResult erasure={news.erasure} />}
      </div>
      {news.kind === 'merged' && news.merge.state === 'done' && (
        <UndoMerge merge={news.merge} onUndone={() => say({ kind: 'said', message: t('merge.undone') })} />
      )}
      {view && view.citizen.citizen_id !== citizenId && (
        <p className="notice" role="note">
          {t('citizen.mergedNotice')}{' '}
          <Link to={paths.citizen(view.citizen.citizen_id)}>{t('citizen.openSurvivor')}</Link>
        </p>
      )}
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {view && (
        <>
          <div className="citizen-grid">
            <Profile view={view} />
            <Contacts view={view} />
            <Consents view={view} />
          </div>
          <section aria-labelledby="citizen-requests-title">
            <h2 id="citizen-requests-title">{t('citizen.requests')}</h2>
            {view.requests.length === 0 ? (
              <p className="empty">{t('citizen.noRequests')}</p>
            ) : (
              <RequestTable items={view.requests} caption={t('citizen.requests')} />
            )}
          </section>
          <section aria-labelledby="citizen-snapshots-title">
            <h2 id="citizen-snapshots-title">{t('citizen.snapshots')}</h2>
            <Snapshots snapshots={view.snapshots} />
          </section>
          {(mergesCitizens(me) || isAdministrator(me)) && (
            <div className="citizen-grid citizen-duties">
              {mergesCitizens(me) && (
                <MergePanel
                  key={view.citizen.citizen_id}
                  view={view}
                  onMerged={(merge, survivor) =>
                    say({ kind: 'merged', merge, message: mergeNews(merge, survivor) })
                  }
                />
              )}
              {isAdministrator(me) && (
                <DataProtection
                  key={`privacy-${view.citizen.citizen_id}`}
                  view={view}
                  onExported={(message) => setNews({ kind: 'said', message })}
                  onErased={(erasure) => say({ kind: 'erased', erasure, message: t('privacy.erased') })}
                />
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}
