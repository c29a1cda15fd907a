/** Find a citizen by phone, email, identity document, name or request reference. */

import { type SyntheticEvent, useRef, useState } from 'react';

import type { CitizenMatch, SearchField } from '../api/types';
import { SEARCH_FIELDS } from '../api/types';
import { districtName } from '../city';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { Link, paths } from '../router';

type Outcome =
  | { readonly status: 'idle' }
  | { readonly status: 'searching' }
  | { readonly status: 'found'; readonly items: readonly CitizenMatch[] }
  | { readonly status: 'failed'; readonly error: unknown };

function Results({ items }: { readonly items: readonly CitizenMatch[] }) {
  const { t, word, list, number } = useI18n();
  return (
    <table className="table">
      <caption className="visually-hidden">{t('search.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('column.name')}</th>
          <th scope="col">{t('column.district')}</th>
          <th scope="col">{t('column.languages')}</th>
          <th scope="col">{t('column.requests')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.citizen_id}>
            <th scope="row">
              <Link to={paths.citizen(item.citizen_id)}>{item.display_name ?? t('citizen.noName')}</Link>
            </th>
            <td>{districtName(item.district) ?? t('district.none')}</td>
            <td>{list(item.languages.map((code) => word('lang', code)))}</td>
            <td>{number(item.request_count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Search() {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const [field, setField] = useState<SearchField>('phone');
  const [value, setValue] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ status: 'idle' });
  const round = useRef(0);

  // The value searched for is personal data: it stays in memory, never in the address bar.
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const wanted = value.trim();
    if (wanted === '') {
      return;
    }
    const mine = ++round.current;
    setOutcome({ status: 'searching' });
    api.searchCitizens(field, wanted).then(
      (items) => mine === round.current && setOutcome({ status: 'found', items }),
      (error: unknown) => mine === round.current && setOutcome({ status: 'failed', error }),
    );
  };

  return (
    <div className="search">
      <ScreenTitle>{t('search.title')}</ScreenTitle>
      <form className="card search-form" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="search-by">{t('search.by')}</label>
          <select id="search-by" value={field} onChange={(event) => setField(event.target.value as SearchField)}>
            {SEARCH_FIELDS.map((code) => (
              <option key={code} value={code}>
                {t(`search.field.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="search-value">{t('search.value')}</label>
          <input
            id="search-value"
            type={field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text'}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            aria-describedby="search-hint"
            autoComplete="off"
            spellCheck={false}
            required
          />
          <span id="search-hint" className="hint">
            {t(`search.hint.${field}`)}
          </span>
        </div>
        <button type="submit">{t('search.submit')}</button>
      </form>
      <section aria-label={t('search.title')} className="results">
        <p className="results-count" aria-live="polite">
          {outcome.status === 'found' &&
            (outcome.items.length === 0 ? t('search.none') : i18n.count('search.results', outcome.items.length))}
        </p>
        {outcome.status === 'searching' && <Loading />}
        {outcome.status === 'failed' && <ErrorNotice error={outcome.error} />}
        {outcome.status === 'found' && outcome.items.length > 0 && <Results items={outcome.items} />}
      </section>
    </div>
  );
}
