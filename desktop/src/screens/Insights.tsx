/** Insights: which districts, neighbourhoods, themes, channels or languages differ from the city, every value's figures, and open data. */

import { type SyntheticEvent, useMemo, useState } from 'react';

import {
  type DifferencePage,
  INSIGHT_DIMENSIONS,
  INSIGHT_METRICS,
  type InsightDimension,
  type InsightMetric,
  type InsightQuery,
} from '../api/engage';
import type { Overview, OverviewQuery } from '../api/insightsWire';
import { districtName, neighbourhoodName } from '../city';
import { useAction } from '../components/action';
import { BarChart, type ChartSeries } from '../components/Chart';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { download } from '../components/download';
import { useLoad } from '../components/load';
import { useDesk } from '../desk';
import {
  formatMetric,
  type InsightRow,
  insightQueryFrom,
  insightRows,
  insightSearchOf,
  MAX_OPEN_DATA_DAYS,
  nextSort,
  OVERVIEW_COLUMNS,
  type OverviewColumn,
  overviewCsv,
  type OverviewRow,
  overviewRows,
  type OverviewSort,
  type OverviewSortKey,
  openDataAllowed,
  sortOverview,
} from '../engage/insights';
import { type I18n, useI18n } from '../i18n/context';
import { addDays } from './reportQuery';
import { paths, useNavigation } from '../router';

const VALUE_COLOUR = '#0a55a3';
const CITY_COLOUR = '#b4001e';

const NO_VALUE = 'none';
const FIRST_SORT: OverviewSort = { key: 'name', direction: 'ascending' };

/** The name a dimension's value goes by. */
function valueName(i18n: I18n, dimension: InsightDimension, value: string): string {
  if (value === NO_VALUE) {
    return i18n.t('insights.noValue');
  }
  switch (dimension) {
    case 'district':
      return districtName(value) ?? value;
    case 'neighbourhood':
      return neighbourhoodName(value) ?? value;
    case 'channel':
      return i18n.word('channel', value);
    case 'language':
      return i18n.word('lang', value);
    case 'theme':
      return value;
  }
}

function Question({ asked, onAsk }: { readonly asked: InsightQuery; readonly onAsk: (query: InsightQuery) => void }) {
  const { t, word } = useI18n();
  const [draft, setDraft] = useState(asked);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (draft.since !== '' && draft.until !== '' && draft.since <= draft.until) {
      onAsk(draft);
    }
  };
  return (
    <form className="card insight-question" aria-label={t('insights.question')} onSubmit={submit}>
      <div className="field-row">
        <div className="field">
          <label htmlFor="insight-dimension">{t('insights.dimension')}</label>
          <select id="insight-dimension" value={draft.dimension} onChange={(event) => setDraft({ ...draft, dimension: event.target.value as InsightDimension })}>
            {INSIGHT_DIMENSIONS.map((dimension) => (
              <option key={dimension} value={dimension}>
                {word('dimension', dimension)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="insight-metric">{t('insights.metric')}</label>
          <select id="insight-metric" value={draft.metric} onChange={(event) => setDraft({ ...draft, metric: event.target.value as InsightMetric })}>
            {INSIGHT_METRICS.map((metric) => (
              <option key={metric} value={metric}>
                {word('metric', metric)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="insight-since">{t('reports.from')}</label>
          <input id="insight-since" type="date" value={draft.since} onChange={(event) => setDraft({ ...draft, since: event.target.value })} required />
        </div>
        <div className="field">
          <label htmlFor="insight-until">{t('reports.to')}</label>
          <input id="insight-until" type="date" value={draft.until} onChange={(event) => setDraft({ ...draft, until: event.target.value })} required />
        </div>
      </div>
      <button type="submit">{t('insights.show')}</button>
    </form>
  );
}

function StatusBadge({ row }: { readonly row: InsightRow }) {
  const { word } = useI18n();
  const tone = row.status === 'not_enough' ? 'badge-neutral' : row.status === 'same' ? 'badge-ok' : 'badge-warn';
  return <span className={`badge ${tone}`}>{word('difference', row.status)}</span>;
}

function RowsTable({ id, rows, page, caption }: { readonly id: string; readonly rows: readonly InsightRow[]; readonly page: DifferencePage; readonly caption: string }) {
  const { t, word } = useI18n();
  return (
    <table className="table insight-table" id={id}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{word('dimension', page.dimension)}</th>
          <th scope="col">{word('metric', page.metric)}</th>
          <th scope="col">{t('insights.pValue')}</th>
          <th scope="col">{t('insights.sample')}</th>
          <th scope="col">{t('insights.verdict')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.value} data-value={row.value} data-status={row.status}>
            <th scope="row">{row.name}</th>
            <td>{row.status === 'not_enough' ? t('insights.notEnough') : row.shown}</td>
            <td>{row.pValue}</td>
            <td>{row.sample}</td>
            <td>
              <StatusBadge row={row} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Differences({ page }: { readonly page: DifferencePage }) {
  const i18n = useI18n();
  const { t, word, language } = i18n;
  const rows = useMemo(() => insightRows(page, (value) => valueName(i18n, page.dimension, value), language), [page, i18n, language]);
  const differing = rows.filter((row) => row.status === 'higher' || row.status === 'lower');
  const charted = useMemo(() => [...rows].sort((a, b) => a.name.localeCompare(b.name, language)), [rows, language]);
  const labels = useMemo(() => charted.map((row) => row.name), [charted]);
  const series = useMemo(
    (): readonly ChartSeries[] => [
      { label: word('metric', page.metric), values: charted.map((row) => row.figure), kind: 'bar', colour: VALUE_COLOUR },
      { label: t('insights.city'), values: charted.map(() => page.city_value), kind: 'line', colour: CITY_COLOUR },
    ],
    [charted, page, t, word],
  );
  const city = formatMetric(page.metric, page.city_value, language);
  const summary = t('insights.chartSummary', {
    metric: word('metric', page.metric),
    dimension: word('dimension', page.dimension),
    city,
    count: differing.length,
  });
  return (
    <>
      <section className="card" aria-labelledby="differ-title">
        <h2 id="differ-title">{t('insights.differ')}</h2>
        <p className="city-figure" data-city={page.city_value ?? ''}>
          {t('insights.cityFigure', { metric: word('metric', page.metric), city })}
        </p>
        <p className="hint">{t('insights.method', { minimum: page.minimum_sample })}</p>
        {differing.length === 0 ? (
          <p className="empty">{t('insights.noDifference')}</p>
        ) : (
          <RowsTable id="insight-differences" rows={differing} page={page} caption={t('insights.differCaption')} />
        )}
      </section>
      <section className="card" aria-labelledby="chart-title">
        <h2 id="chart-title">{t('insights.chartTitle')}</h2>
        <BarChart id="insight-chart" labels={labels} series={series} summary={summary} horizontal={charted.length > 12} />
        <RowsTable id="insight-all" rows={charted} page={page} caption={t('insights.allCaption')} />
      </section>
    </>
  );
}

function columnLabel(i18n: I18n, column: OverviewColumn): string {
  switch (column) {
    case 'opened':
    case 'closed':
    case 'population':
      return i18n.t(`insights.column.${column}`);
    default:
      return i18n.word('metric', column);
  }
}

function SortHeader({ sortKey, label, sort, onSort }: { readonly sortKey: OverviewSortKey; readonly label: string; readonly sort: OverviewSort; readonly onSort: (key: OverviewSortKey) => void }) {
  const sorted = sort.key === sortKey;
  return (
    <th scope="col" aria-sort={sorted ? sort.direction : 'none'} data-column={sortKey}>
      <button type="button" className="button-link" onClick={() => onSort(sortKey)}>
        {label}
        {sorted && <span aria-hidden="true">{sort.direction === 'ascending' ? ' ↑' : ' ↓'}</span>}
      </button>
    </th>
  );
}

function FiguresRow({ row, city }: { readonly row: OverviewRow; readonly city: boolean }) {
  return (
    <tr data-value={row.value ?? 'city'} className={city ? 'overview-city' : undefined}>
      <th scope="row">{city ? <strong>{row.name}</strong> : row.name}</th>
      {OVERVIEW_COLUMNS.map((column) => (
        <td key={column} data-column={column}>
          {row.shown[column]}
        </td>
      ))}
    </tr>
  );
}

function FiguresTable({ overview }: { readonly overview: Overview }) {
  const i18n = useI18n();
  const { t, word, language, date } = i18n;
  const [sort, setSort] = useState(FIRST_SORT);
  const { rows, city } = useMemo(
    () => overviewRows(overview, (value) => valueName(i18n, overview.dimension, value), t('insights.wholeCity'), language),
    [overview, i18n, t, language],
  );
  const sorted = useMemo(() => sortOverview(rows, sort, language), [rows, sort, language]);
  const labels = OVERVIEW_COLUMNS.map((column) => columnLabel(i18n, column));
  const onSort = (key: OverviewSortKey) => setSort((current) => nextSort(current, key));
  const save = () => {
    const csv = overviewCsv([t('insights.column.code'), word('dimension', overview.dimension), ...labels], sorted, city);
    download(new Blob([csv], { type: 'text/csv;charset=utf-8' }), `finestra-insights-${overview.dimension}-${overview.since}-${overview.until}.csv`);
  };
  if (rows.length === 0) {
    return <p className="empty">{t('insights.noValues')}</p>;
  }
  return (
    <>
      <p className="hint">{t('insights.everyHint')}</p>
      <table className="table insight-table" id="insight-every">
        <caption>{t('insights.everyCaption', { since: date(overview.since), until: date(overview.until) })}</caption>
        <thead>
          <tr>
            <SortHeader sortKey="name" label={word('dimension', overview.dimension)} sort={sort} onSort={onSort} />
            {OVERVIEW_COLUMNS.map((column, index) => (
              <SortHeader key={column} sortKey={column} label={labels[index] ?? column} sort={sort} onSort={onSort} />
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <FiguresRow key={row.value} row={row} city={false} />
          ))}
        </tbody>
        <tfoot>
          <FiguresRow row={city} city />
        </tfoot>
      </table>
      <button type="button" className="button-secondary" onClick={save}>
        {t('insights.downloadTable')}
      </button>
    </>
  );
}

function EveryValue({ query }: { readonly query: OverviewQuery }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => api.insightOverview(query), [api, query.dimension, query.since, query.until]);
  return (
    <section className="card" aria-labelledby="every-title">
      <h2 id="every-title">{t('insights.everyValue')}</h2>
      <div aria-live="polite">{state.status === 'loading' && <Loading />}</div>
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <FiguresTable overview={state.data} />}
    </section>
  );
}

function OpenData({ since, until }: { readonly since: string; readonly until: string }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [from, setFrom] = useState(openDataAllowed(since, until) ? since : addDays(until, 1 - MAX_OPEN_DATA_DAYS));
  const [to, setTo] = useState(until);
  const action = useAction();
  const allowed = openDataAllowed(from, to);
  const fetchFile = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!allowed) {
      return;
    }
    void action.run(async () => download(await api.openData(from, to), `finestra-open-data-${from}-${to}.csv`));
  };
  return (
    <form className="card open-data" aria-labelledby="open-data-title" onSubmit={fetchFile}>
      <h2 id="open-data-title">{t('insights.openData')}</h2>
      <p className="hint">{t('insights.openDataHint', { days: MAX_OPEN_DATA_DAYS })}</p>
      {action.error !== null && <ErrorNotice error={action.error} />}
      <div className="field-row">
        <div className="field">
          <label htmlFor="open-data-since">{t('reports.from')}</label>
          <input id="open-data-since" type="date" value={from} onChange={(event) => setFrom(event.target.value)} aria-describedby="open-data-problem" />
        </div>
        <div className="field">
          <label htmlFor="open-data-until">{t('reports.to')}</label>
          <input id="open-data-until" type="date" value={to} onChange={(event) => setTo(event.target.value)} aria-describedby="open-data-problem" />
        </div>
      </div>
      <p id="open-data-problem" className="field-problem" role="status">
        {!allowed && t('insights.openDataTooLong', { days: MAX_OPEN_DATA_DAYS })}
      </p>
      <button type="submit" disabled={!allowed || action.busy}>
        {action.busy ? t('action.working') : t('insights.download')}
      </button>
    </form>
  );
}

export function Insights() {
  const { api } = useDesk();
  const { t } = useI18n();
  const { search, navigate } = useNavigation();
  const query = useMemo(() => insightQueryFrom(search), [search]);
  const key = insightSearchOf(query);
  const { state, reload } = useLoad(() => api.differences(query), [api, key]);
  return (
    <>
      <ScreenTitle>{t('insights.title')}</ScreenTitle>
      <p>{t('insights.intro')}</p>
      <Question key={key} asked={query} onAsk={(asked) => navigate(paths.insights(insightSearchOf(asked)))} />
      <div aria-live="polite">{state.status === 'loading' && <Loading />}</div>
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <Differences page={state.data} />}
      <EveryValue query={query} />
      <OpenData since={query.since} until={query.until} />
    </>
  );
}
