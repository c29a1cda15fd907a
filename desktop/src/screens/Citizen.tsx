/** Citizen 360: one person across every channel and back-office system. */

import type { CitizenView } from '../api/types';
import { districtName } from '../city';
import { RequestTable } from '../components/RequestTable';
import { ErrorNotice, Facts, Loading, ScreenTitle } from '../components/common';
import { useLoad } from '../components/load';
import { Snapshots } from '../components/Snapshots';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';

function Profile({ view }: { readonly view: CitizenView }) {
  const { t, word, list } = useI18n();
  const citizen = view.citizen;
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('citizen.profile')}</h2>
      <Facts
        items={[
          [t('citizen.name'), citizen.display_name],
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

export function Citizen({ citizenId }: { readonly citizenId: string }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => api.citizen(citizenId), [api, citizenId]);
  return (
    <div className="citizen">
      <ScreenTitle>{state.status === 'ready' ? state.data.citizen.display_name : t('citizen.title')}</ScreenTitle>
      <p className="hint">{t('citizen.notice')}</p>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && (
        <>
          <div className="citizen-grid">
            <Profile view={state.data} />
            <Contacts view={state.data} />
            <Consents view={state.data} />
          </div>
          <section aria-labelledby="citizen-requests-title">
            <h2 id="citizen-requests-title">{t('citizen.requests')}</h2>
            {state.data.requests.length === 0 ? (
              <p className="empty">{t('citizen.noRequests')}</p>
            ) : (
              <RequestTable items={state.data.requests} caption={t('citizen.requests')} />
            )}
          </section>
          <section aria-labelledby="citizen-snapshots-title">
            <h2 id="citizen-snapshots-title">{t('citizen.snapshots')}</h2>
            <Snapshots snapshots={state.data.snapshots} />
          </section>
        </>
      )}
    </div>
  );
}
