/**
 * Advanced search: requests by theme, state, dates, SLA, alarm, place, address, applicant
 * and group, as a list or on a map, with a capped, audited export to CSV or Excel.
 *
 * The filters live in the address bar, so a search can be shared and the back button
 * returns to it. The applicant is a citizen id, picked through the citizen search: a
 * phone number or an email address never goes into the search's query string.
 */

import { type SyntheticEvent, useState } from 'react';

import { ApiError } from '../api/client';
import {
  ALARMS,
  type CitizenMatch,
  REQUEST_STATES,
  type RequestSearchFilter,
  type RequestSearchItem,
  type RequestSearchPage,
  SEARCH_FIELDS,
  type SearchField,
} from '../api/types';
import { DistrictOptions, ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { download } from '../components/download';
import { useLoad } from '../components/load';
import { type RequestColumn, RequestTable } from '../components/RequestTable';
import { themeLabel, useThemes } from '../components/themes';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { paths, useNavigation } from '../router';
import { SearchMap } from './SearchMap';

export const EXPORT_CAP = 5000;
const FIELDS = [
  'theme',
  'state',
  'received_from',
  'received_to',
  'sla',
  'flag',
  'district',
  'neighbourhood',
  'address',
  'applicant',
  'group',
] as const;
const EMPTY: RequestSearchFilter = {
  theme: '',
  state: 'open',
  received_from: '',
  received_to: '',
  sla: '',
  flag: '',
  district: '',
  neighbourhood: '',
  address: '',
  applicant: '',
  group: '',
};

/** The filters a query string holds; an absent one is "any". */
export function searchFilterOf(search: URLSearchParams): RequestSearchFilter {
  const found: Record<string, string> = { ...EMPTY };
  for (const name of FIELDS) {
    found[name] = search.get(name) ?? EMPTY[name];
  }
  return found as unknown as RequestSearchFilter;
}

/** The query string of `filter`, without the filters left at "any". */
export function searchQueryOf(filter: RequestSearchFilter): string {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    if (filter[name] !== '') {
      params.set(name, filter[name]);
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface Results {
  readonly query: string;
  readonly filter: RequestSearchFilter;
  readonly items: readonly RequestSearchItem[];
  readonly next: string | null;
}

function ApplicantPicker({ value, onPick }: { readonly value: string; readonly onPick: (id: string) => void }) {
  const { t } = useI18n();
  const { api } = useDesk();
  const [field, setField] = useState<SearchField>('name');
  const [text, setText] = useState('');
  const [found, setFound] = useState<readonly CitizenMatch[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const find = () => {
    setError(null);
    api.searchCitizens(field, text.trim()).then(setFound, setError);
  };
  return (
    <fieldset className="applicant-picker">
      <legend>{t('advsearch.applicant')}</legend>
      <p className="hint">{value ? t('advsearch.applicant.chosen', { id: value }) : t('advsearch.applicant.none')}</p>
      <div className="field">
        <label htmlFor="applicant-field">{t('advsearch.applicant.by')}</label>
        <select id="applicant-field" value={field} onChange={(event) => setField(event.target.value as SearchField)}>
          {SEARCH_FIELDS.map((name) => (
            <option key={name} value={name}>
              {t(`search.field.${name}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="applicant-text">{t('advsearch.applicant.text')}</label>
        <input id="applicant-text" value={text} onChange={(event) => setText(event.target.value)} />
      </div>
      <button type="button" className="button-secondary" onClick={find} disabled={text.trim().length < 2}>
        {t('advsearch.applicant.find')}
      </button>
      {value && (
        <button type="button" className="button-secondary" onClick={() => onPick('')}>
          {t('advsearch.applicant.clear')}
        </button>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {found !== null &&
        (found.length === 0 ? (
          <p>{t('advsearch.applicant.nobody')}</p>
        ) : (
          <ul className="applicant-matches">
            {found.map((match) => (
              <li key={match.citizen_id}>
                <button type="button" className="button-secondary" onClick={() => onPick(match.citizen_id)}>
                  {t('advsearch.applicant.pick', { name: match.display_name ?? match.citizen_id })}
                </button>
              </li>
            ))}
          </ul>
        ))}
    </fieldset>
  );
}

function FilterForm({ asked, onAsk }: { readonly asked: RequestSearchFilter; readonly onAsk: (filter: RequestSearchFilter) => void }) {
  const { t, word } = useI18n();
  const { me } = useDesk();
  const { themes } = useThemes();
  const [draft, setDraft] = useState(asked);
  const [shown, setShown] = useState(asked);
  if (searchQueryOf(shown) !== searchQueryOf(asked)) {
    setShown(asked);
    setDraft(asked);
  }
  const set = (name: keyof RequestSearchFilter) => (event: { target: { value: string } }) =>
    setDraft((now) => ({ ...now, [name]: event.target.value }));
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onAsk(draft);
  };
  return (
    <form className="card search-filters" aria-label={t('advsearch.filters')} onSubmit={submit}>
      <p className="hint">{t('advsearch.indexed')}</p>
      <div className="field">
        <label htmlFor="as-group">{t('advsearch.group')}</label>
        <select id="as-group" value={draft.group} onChange={set('group')}>
          <option value="">{t('advsearch.any')}</option>
          {me.groups.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="as-sla">{t('advsearch.sla')}</label>
        <select id="as-sla" value={draft.sla} onChange={set('sla')}>
          <option value="">{t('advsearch.any')}</option>
          {(['on_time', 'at_risk', 'breached'] as const).map((sla) => (
            <option key={sla} value={sla}>
              {word('sla', sla)}
            </option>
          ))}
        </select>
      </div>
      <ApplicantPicker value={draft.applicant} onPick={(id) => setDraft((now) => ({ ...now, applicant: id }))} />
      <div className="field">
        <label htmlFor="as-theme">{t('advsearch.theme')}</label>
        <select id="as-theme" value={draft.theme} onChange={set('theme')}>
          <option value="">{t('advsearch.any')}</option>
          {(themes ?? []).map((theme) => (
            <option key={theme.code} value={theme.code}>
              {themeLabel(theme)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="as-state">{t('advsearch.state')}</label>
        <select id="as-state" value={draft.state} onChange={set('state')}>
          <option value="open">{t('advsearch.state.open')}</option>
          <option value="final">{t('advsearch.state.final')}</option>
          <option value="any">{t('advsearch.state.any')}</option>
          {REQUEST_STATES.map((state) => (
            <option key={state} value={state}>
              {word('state', state)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="as-from">{t('advsearch.from')}</label>
        <input id="as-from" type="date" value={draft.received_from} onChange={set('received_from')} />
      </div>
      <div className="field">
        <label htmlFor="as-to">{t('advsearch.to')}</label>
        <input id="as-to" type="date" value={draft.received_to} onChange={set('received_to')} />
      </div>
      <div className="field">
        <label htmlFor="as-flag">{t('advsearch.flag')}</label>
        <select id="as-flag" value={draft.flag} onChange={set('flag')}>
          <option value="">{t('advsearch.any')}</option>
          {ALARMS.map((alarm) => (
            <option key={alarm} value={alarm}>
              {word('alarm', alarm)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="as-district">{t('advsearch.district')}</label>
        <select id="as-district" value={draft.district} onChange={set('district')}>
          <option value="">{t('advsearch.any')}</option>
          <DistrictOptions />
        </select>
      </div>
      <div className="field">
        <label htmlFor="as-neighbourhood">{t('advsearch.neighbourhood')}</label>
        <input id="as-neighbourhood" inputMode="numeric" pattern="[0-9]{1,2}" value={draft.neighbourhood} onChange={set('neighbourhood')} />
      </div>
      <div className="field">
        <label htmlFor="as-address">{t('advsearch.address')}</label>
        <input id="as-address" value={draft.address} onChange={set('address')} />
      </div>
      <button type="submit">{t('advsearch.submit')}</button>
    </form>
  );
}

const SEARCH_COLUMNS: readonly RequestColumn[] = ['theme', 'state', 'district', 'group', 'received', 'sla'];

function Exports({ filter, blocked, onTooLarge }: { readonly filter: RequestSearchFilter; readonly blocked: boolean; readonly onTooLarge: () => void }) {
  const { t, language } = useI18n();
  const { api } = useDesk();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = (format: 'csv' | 'xlsx') => {
    setBusy(true);
    setError(null);
    api
      .exportRequests(filter, format, language)
      .then(
        (blob) => download(blob, `finestra-requests.${format}`),
        (failure: unknown) => {
          if (failure instanceof ApiError && failure.code === 'export_too_large') {
            onTooLarge();
          } else {
            setError(failure);
          }
        },
      )
      .finally(() => setBusy(false));
  };
  return (
    <div className="search-exports">
      <p id="export-note" className={blocked ? 'notice' : 'hint'} role={blocked ? 'status' : undefined}>
        {blocked ? t('advsearch.export.tooLarge', { cap: String(EXPORT_CAP) }) : t('advsearch.export.note', { cap: String(EXPORT_CAP) })}
      </p>
      <button type="button" className="button-secondary" disabled={blocked || busy} aria-describedby="export-note" onClick={() => run('csv')}>
        {t('advsearch.export.csv')}
      </button>
      <button type="button" className="button-secondary" disabled={blocked || busy} aria-describedby="export-note" onClick={() => run('xlsx')}>
        {t('advsearch.export.xlsx')}
      </button>
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

export function AdvancedSearch() {
  const { t, language } = useI18n();
  const { api } = useDesk();
  const { search, navigate } = useNavigation();
  const asked = searchFilterOf(search);
  const query = searchQueryOf(asked);
  const started = search.toString() !== '';
  const { state } = useLoad<RequestSearchPage | null>(
    () => (started ? api.searchRequests(searchFilterOf(new URLSearchParams(query)), null, language) : Promise.resolve(null)),
    [api, language, query, started],
  );
  const [later, setLater] = useState<Results | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [view, setView] = useState<'list' | 'map'>('list');
  const [tooLarge, setTooLarge] = useState<string | null>(null);
  const first = state.status === 'ready' ? state.data : null;
  const results: Results | null =
    later !== null && later.query === query
      ? later
      : first
        ? { query, filter: searchFilterOf(new URLSearchParams(query)), items: first.items, next: first.next_cursor }
        : null;

  const more = () => {
    if (!results?.next) {
      return;
    }
    setBusy(true);
    setMoreError(null);
    api
      .searchRequests(results.filter, results.next, language)
      .then(
        (page) => setLater({ ...results, items: [...results.items, ...page.items], next: page.next_cursor }),
        setMoreError,
      )
      .finally(() => setBusy(false));
  };
  const ask = (filter: RequestSearchFilter) => navigate(paths.advancedSearch(searchQueryOf(filter)));

  return (
    <>
      <ScreenTitle>{t('advsearch.title')}</ScreenTitle>
      <FilterForm asked={asked} onAsk={ask} />
      {state.status === 'failed' && <ErrorNotice error={state.error} explain={{ search_too_broad: 'advsearch.tooBroad' }} />}
      {started && state.status === 'loading' && <Loading />}
      {results && (
        <section aria-labelledby="advsearch-results">
          <h2 id="advsearch-results">{t('advsearch.count', { count: String(results.items.length), more: results.next ? '+' : '' })}</h2>
          <div className="view-buttons" role="group" aria-label={t('advsearch.view')}>
            <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>
              {t('advsearch.view.list')}
            </button>
            <button type="button" aria-pressed={view === 'map'} onClick={() => setView('map')}>
              {t('advsearch.view.map')}
            </button>
          </div>
          <Exports filter={results.filter} blocked={tooLarge === query} onTooLarge={() => setTooLarge(query)} />
          {view === 'list' ? (
            <RequestTable items={results.items} caption={t('advsearch.results')} columns={SEARCH_COLUMNS} className="search-table" />
          ) : (
            <SearchMap items={results.items} />
          )}
          {moreError !== null && <ErrorNotice error={moreError} />}
          {results.next && (
            <button type="button" className="button-secondary" onClick={more} disabled={busy}>
              {t('advsearch.more')}
            </button>
          )}
        </section>
      )}
    </>
  );
}
