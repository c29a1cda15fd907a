/** Reports: opened and closed requests, closing days and SLA compliance (supervisors). */

import { type SyntheticEvent, useEffect, useState } from 'react';

import { REPORT_DIMENSIONS, type Report, type ReportDimension, type ReportFigures, type ReportQuery } from '../api/types';
import { hasRole } from '../auth/roles';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { download } from '../components/download';
import { useDesk } from '../desk';
import { type I18n, useI18n } from '../i18n/context';
import { paths, useNavigation } from '../router';
import { type ChartBar, ReportChart } from './ReportChart';
import {
  formatDay,
  formatDays,
  formatPercent,
  type ReportFilter,
  reportFileName,
  reportFilterFrom,
  reportQueryOf,
  reportSearchOf,
} from './reportQuery';

const PROBLEMS = {
  dates_missing: 'reports.datesMissing',
  dates_reversed: 'reports.datesReversed',
  too_long: 'reports.tooLong',
} as const;

/** The name a row goes by: the desktop's own word for a channel, the API's name otherwise. */
function nameOf(i18n: I18n, by: ReportDimension, value: string, label: string | null): string {
  if (value === 'none') {
    return i18n.t(by === 'district' ? 'reports.noDistrict' : 'reports.noTheme');
  }
  if (by === 'channel') {
    return i18n.word('channel', value);
  }
  return label ?? value;
}

function NoFigure() {
  const { t } = useI18n();
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{t('reports.noFigure')}</span>
    </>
  );
}

function Figures({ figures }: { readonly figures: ReportFigures }) {
  const { number, language } = useI18n();
  return (
    <>
      <td>{number(figures.opened)}</td>
      <td>{number(figures.closed)}</td>
      <td>{number(figures.closed_within_sla)}</td>
      <td>{number(figures.closed_late)}</td>
      <td>{number(figures.reopened)}</td>
      <td>{figures.average_closing_days === null ? <NoFigure /> : formatDays(figures.average_closing_days, language)}</td>
      <td>{figures.sla_compliance === null ? <NoFigure /> : formatPercent(figures.sla_compliance, language)}</td>
    </>
  );
}

function FigureTable({ report, names }: { readonly report: Report; readonly names: readonly string[] }) {
  const { t } = useI18n();
  const byWord = t(`reports.by.${report.by}`);
  return (
    <table className="table report-table">
      <caption className="visually-hidden">{t('reports.table', { by: byWord })}</caption>
      <thead>
        <tr>
          <th scope="col">{byWord}</th>
          <th scope="col">{t('reports.column.opened')}</th>
          <th scope="col">{t('reports.column.closed')}</th>
          <th scope="col">{t('reports.column.within')}</th>
          <th scope="col">{t('reports.column.late')}</th>
          <th scope="col">{t('reports.column.reopened')}</th>
          <th scope="col">{t('reports.column.days')}</th>
          <th scope="col">{t('reports.column.sla')}</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((row, index) => (
          <tr key={row.value} data-value={row.value}>
            <th scope="row">{names[index]}</th>
            <Figures figures={row} />
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">{t('reports.total')}</th>
          <Figures figures={report.totals} />
        </tr>
      </tfoot>
    </table>
  );
}

function Filters({ asked, onAsk }: { readonly asked: ReportFilter; readonly onAsk: (filter: ReportFilter) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(asked);
  const [shown, setShown] = useState(asked);
  if (reportSearchOf(shown) !== reportSearchOf(asked)) {
    setShown(asked);
    setDraft(asked);
  }
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onAsk(draft);
  };
  return (
    <form className="card access-filters" aria-label={t('reports.filters')} onSubmit={submit}>
      <div className="field">
        <label htmlFor="report-from">{t('reports.from')}</label>
        <input
          id="report-from"
          type="date"
          required
          value={draft.from}
          onChange={(event) => setDraft((now) => ({ ...now, from: event.target.value }))}
        />
      </div>
      <div className="field">
        <label htmlFor="report-to">{t('reports.to')}</label>
        <input
          id="report-to"
          type="date"
          required
          value={draft.to}
          onChange={(event) => setDraft((now) => ({ ...now, to: event.target.value }))}
        />
      </div>
      <div className="field">
        <label htmlFor="report-by">{t('reports.by')}</label>
        <select
          id="report-by"
          value={draft.by}
          onChange={(event) => setDraft((now) => ({ ...now, by: event.target.value as ReportDimension }))}
        >
          {REPORT_DIMENSIONS.map((by) => (
            <option key={by} value={by}>
              {t(`reports.by.${by}`)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">{t('reports.submit')}</button>
    </form>
  );
}

function Download({ query }: { readonly query: ReportQuery }) {
  const { api } = useDesk();
  const { t, language } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const save = async () => {
    setBusy(true);
    setFailure(null);
    try {
      download(await api.reportFile(query, language), reportFileName(query));
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="report-download">
      <button type="button" className="button-secondary" onClick={() => void save()} disabled={busy}>
        {busy ? t('reports.downloading') : t('reports.download')}
      </button>
      {failure !== null && <ErrorNotice error={failure} />}
    </div>
  );
}

function Results({ report, query }: { readonly report: Report; readonly query: ReportQuery }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const byWord = t(`reports.by.${report.by}`);
  const names = report.rows.map((row) => nameOf(i18n, report.by, row.value, row.label));
  const bars: ChartBar[] = report.rows.map((row, index) => ({
    key: row.value,
    name: names[index] ?? row.value,
    opened: row.opened,
    closed: row.closed,
  }));
  return (
    <section aria-labelledby="report-title" className="results">
      <h2 id="report-title" className="results-count" aria-live="polite">
        {t('reports.heading', { by: byWord, from: formatDay(report.from, language), to: formatDay(report.to, language) })}
      </h2>
      <Download query={query} />
      {report.rows.length === 0 ? (
        <p className="notice">{t('reports.empty')}</p>
      ) : (
        <>
          <ReportChart
            bars={bars}
            total={report.rows.length}
            caption={t('reports.chart', { by: byWord.toLocaleLowerCase(language) })}
          />
          <FigureTable report={report} names={names} />
        </>
      )}
    </section>
  );
}

export function Reports() {
  const { api, me } = useDesk();
  const { t, language } = useI18n();
  const { search, navigate } = useNavigation();
  const [now] = useState(() => new Date());
  const asked = reportFilterFrom(search, now);
  const question = reportQueryOf(asked);
  const query = typeof question === 'string' ? null : question;
  const key = query === null ? '' : `${reportSearchOf(asked)}&lang=${language}`;
  const [answer, setAnswer] = useState<{ key: string; report: Report } | null>(null);
  const [error, setError] = useState<{ key: string; error: unknown } | null>(null);
  const [round, setRound] = useState(0);
  const allowed = hasRole(me, 'supervisor');

  useEffect(() => {
    if (!allowed || query === null) {
      return undefined;
    }
    let live = true;
    api.report(query, language).then(
      (report) => {
        if (live) {
          setError(null);
          setAnswer({ key, report });
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
        <ScreenTitle>{t('reports.title')}</ScreenTitle>
        <p className="notice notice-error" role="alert">
          {t('reports.forbidden')}
        </p>
      </>
    );
  }

  const current = answer?.key === key ? answer.report : null;
  const failure = error?.key === key ? error.error : null;
  return (
    <div className="reports">
      <ScreenTitle>{t('reports.title')}</ScreenTitle>
      <p className="hint">{t('reports.intro')}</p>
      <Filters asked={asked} onAsk={(filter) => navigate(paths.reports(reportSearchOf(filter)))} />
      {typeof question === 'string' && (
        <p className="notice notice-error" role="alert">
          {t(PROBLEMS[question])}
        </p>
      )}
      {failure !== null && <ErrorNotice error={failure} onRetry={() => setRound((n) => n + 1)} />}
      {query !== null && current === null && failure === null && <Loading />}
      {query !== null && current !== null && <Results report={current} query={query} />}
    </div>
  );
}
