/** The worklist: one responsible group's open requests, soonest due first. */

import { type SyntheticEvent, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type {
  SlaCounts,
  ViewCounts,
  Worklist as WorklistPage,
  WorklistFilter,
  WorklistItem,
  WorklistView,
} from '../api/types';
import { CHANNELS, PRIORITIES, REQUEST_STATES, SLA_STATES, WORKLIST_VIEWS } from '../api/types';
import { worksRequests } from '../auth/roles';
import { DISTRICTS, districtName, groupName } from '../city';
import { BulkActions } from '../components/BulkActions';
import { ErrorNotice, Loading, PriorityTag, ScreenTitle, SlaBadge, When } from '../components/common';
import { GroupSwitcher } from '../components/GroupSwitcher';
import { rememberedGroup } from '../components/groupChoice';
import { Shortcuts } from '../components/Shortcuts';
import { themeLabel, useThemes } from '../components/themes';
import { AlarmBadges, AlarmFilter, ViewTabs } from '../components/WorklistViews';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';
import { type FilterField, filterFrom, searchOf, withField } from './worklistFilter';

export const PAGE_SIZE = 25;
export const POLL_MS = 30_000;

interface Page {
  readonly items: readonly WorklistItem[];
  readonly cursor: string | null;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  return target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
}

function Choice({
  id,
  label,
  value,
  options,
  onChange,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly options: ReadonlyArray<readonly [string, string]>;
  readonly onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="field field-compact">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t('worklist.any')}</option>
        {options.map(([code, name]) => (
          <option key={code} value={code}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}

function Filters({
  filter,
  onChange,
  searchBox,
}: {
  readonly filter: WorklistFilter;
  readonly onChange: (field: FilterField, value: string) => void;
  readonly searchBox: RefObject<HTMLInputElement | null>;
}) {
  const { t, word } = useI18n();
  const { themes } = useThemes();
  const [reference, setReference] = useState(filter.q ?? '');
  const [shownQ, setShownQ] = useState(filter.q);
  if (shownQ !== filter.q) {
    setShownQ(filter.q);
    setReference(filter.q ?? '');
  }
  const find = (event: SyntheticEvent) => {
    event.preventDefault();
    onChange('q', reference);
  };
  const vocabulary = (prefix: string, codes: readonly string[]) =>
    codes.map((code) => [code, word(prefix, code)] as const);
  return (
    <section className="filters" aria-labelledby="filters-title">
      <h2 id="filters-title" className="visually-hidden">
        {t('worklist.filters')}
      </h2>
      <form className="reference-search" role="search" onSubmit={find}>
        <div className="field field-compact">
          <label htmlFor="filter-q">{t('worklist.reference')}</label>
          <input
            id="filter-q"
            ref={searchBox}
            type="search"
            value={reference}
            onChange={(event) => setReference(event.target.value)}
            aria-describedby="filter-q-hint"
            autoComplete="off"
            spellCheck={false}
          />
          <span id="filter-q-hint" className="hint">
            {t('worklist.referenceHint')}
          </span>
        </div>
        <button type="submit">{t('worklist.find')}</button>
      </form>
      <div className="filter-row">
        <Choice
          id="filter-state"
          label={t('filter.state')}
          value={filter.state ?? ''}
          options={vocabulary('state', REQUEST_STATES)}
          onChange={(value) => onChange('state', value)}
        />
        {themes ? (
          <Choice
            id="filter-theme"
            label={t('filter.theme')}
            value={filter.theme ?? ''}
            options={themes.map((theme) => [theme.code, themeLabel(theme)] as const)}
            onChange={(value) => onChange('theme', value)}
          />
        ) : (
          <div className="field field-compact">
            <label htmlFor="filter-theme">{t('filter.theme')}</label>
            <input
              id="filter-theme"
              defaultValue={filter.theme ?? ''}
              onBlur={(event) => onChange('theme', event.target.value)}
            />
          </div>
        )}
        <Choice
          id="filter-district"
          label={t('filter.district')}
          value={filter.district ?? ''}
          options={DISTRICTS.map((district) => [district.code, district.name] as const)}
          onChange={(value) => onChange('district', value)}
        />
        <Choice
          id="filter-channel"
          label={t('filter.channel')}
          value={filter.channel ?? ''}
          options={vocabulary('channel', CHANNELS)}
          onChange={(value) => onChange('channel', value)}
        />
        <Choice
          id="filter-sla"
          label={t('filter.sla')}
          value={filter.sla ?? ''}
          options={vocabulary('sla', SLA_STATES)}
          onChange={(value) => onChange('sla', value)}
        />
        <Choice
          id="filter-priority"
          label={t('filter.priority')}
          value={filter.priority ?? ''}
          options={vocabulary('priority', PRIORITIES)}
          onChange={(value) => onChange('priority', value)}
        />
      </div>
    </section>
  );
}

function Counts({
  counts,
  at,
  selected,
  onSelect,
}: {
  readonly counts: SlaCounts;
  readonly at: Date;
  readonly selected: string;
  readonly onSelect: (sla: string) => void;
}) {
  const { t, word, number, time } = useI18n();
  return (
    <section className="counts" aria-labelledby="counts-title">
      <h2 id="counts-title" className="visually-hidden">
        {t('worklist.counts')}
      </h2>
      <div className="count-buttons" aria-live="polite" aria-atomic="true">
        {SLA_STATES.map((sla) => (
          <button
            key={sla}
            type="button"
            className={`count sla-${sla}`}
            aria-pressed={selected === sla}
            onClick={() => onSelect(selected === sla ? '' : sla)}
          >
            <span className="count-number">{number(counts[sla])}</span>
            <span className="count-label">{word('sla', sla)}</span>
          </button>
        ))}
      </div>
      <p className="hint">{t('worklist.countsUpdated', { time: time(at.toISOString()) })}</p>
    </section>
  );
}

function Rows({
  items,
  now,
  active,
  onFocusRow,
  links,
  selection,
}: {
  readonly items: readonly WorklistItem[];
  readonly now: Date;
  readonly active: number;
  readonly onFocusRow: (index: number) => void;
  readonly links: RefObject<Array<HTMLAnchorElement | null>>;
  readonly selection: Selection | null;
}) {
  const { t, word } = useI18n();
  return (
    <tbody>
      {items.map((item, index) => (
        <tr key={item.reference} className={index === active ? 'row-active' : undefined}>
          {selection && (
            <td className="select-cell">
              <input
                type="checkbox"
                aria-label={t('bulk.select', { reference: item.reference })}
                checked={selection.chosen.has(item.reference)}
                onChange={() => selection.toggle(item.reference)}
              />
            </td>
          )}
          <th scope="row">
            <Link
              to={paths.request(item.reference)}
              ref={(element: HTMLAnchorElement | null) => {
                links.current[index] = element;
              }}
              onFocus={() => onFocusRow(index)}
              className="reference"
            >
              {item.reference}
            </Link>
          </th>
          <td>
            <span className="theme-name">{item.theme_name}</span>
            <span className="summary">{item.summary}</span>
            <AlarmBadges alarms={item.alarms} />
            {item.joined_to && <span className="tag tag-joined">{t('links.joinedBadge', { reference: item.joined_to })}</span>}
          </td>
          <td>{word('channel', item.channel)}</td>
          <td>{districtName(item.district) ?? t('district.none')}</td>
          <td>{item.due_at ? <When iso={item.due_at} now={now} /> : t('worklist.noDue')}</td>
          <td>
            <PriorityTag priority={item.priority} />
          </td>
          <td>
            <SlaBadge sla={item.sla} />
          </td>
        </tr>
      ))}
    </tbody>
  );
}

interface Selection {
  readonly chosen: ReadonlySet<string>;
  readonly toggle: (reference: string) => void;
}

function viewOf(filter: WorklistFilter): WorklistView {
  return WORKLIST_VIEWS.find((view) => view === filter.view) ?? 'open';
}

export function Worklist() {
  const { api, me } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const { search, navigate } = useNavigation();
  const query = search.toString();
  const filter = useMemo(() => {
    const asked = filterFrom(new URLSearchParams(query));
    const first = rememberedGroup(window.sessionStorage, me.user_id) ?? me.groups[0];
    return asked.group || first === undefined ? asked : { ...asked, group: first };
  }, [query, me.groups, me.user_id]);
  const [page, setPage] = useState<Page | null>(null);
  const [counts, setCounts] = useState<{ counts: SlaCounts; views: ViewCounts | null; at: Date } | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set());
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [round, setRound] = useState(0);
  const [now, setNow] = useState(() => new Date());
  const [active, setActive] = useState(0);
  const [helpOpen, setHelpOpen] = useState(false);
  const searchBox = useRef<HTMLInputElement>(null);
  const links = useRef<Array<HTMLAnchorElement | null>>([]);
  const filterKey = searchOf(filter);

  const apply = (answer: WorklistPage) => {
    setCounts({ counts: answer.counts, views: answer.views ?? null, at: new Date() });
    setNow(new Date());
  };

  useEffect(() => {
    let live = true;
    api.worklist(filter, null, PAGE_SIZE).then(
      (answer) => {
        if (!live) {
          return;
        }
        setError(null);
        setPage({ items: answer.items, cursor: answer.next_cursor });
        setChosen((before) => new Set(answer.items.map((item) => item.reference).filter((ref) => before.has(ref))));
        setActive(0);
        apply(answer);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- filterKey names the filter
  }, [api, filterKey, round]);

  useEffect(() => {
    const timer = window.setInterval(() => {
      api.worklist(filter, null, 1).then(apply, () => undefined);
    }, POLL_MS);
    return () => window.clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- filterKey names the filter
  }, [api, filterKey]);

  const change = useCallback(
    (field: FilterField, value: string) => {
      navigate(paths.worklist(searchOf(withField(filter, field, value))), { replace: true });
    },
    [filter, navigate],
  );

  const more = async () => {
    if (!page?.cursor) {
      return;
    }
    setLoadingMore(true);
    try {
      const answer = await api.worklist(filter, page.cursor, PAGE_SIZE);
      setPage({ items: [...page.items, ...answer.items], cursor: answer.next_cursor });
      apply(answer);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoadingMore(false);
    }
  };

  const items = useMemo(() => page?.items ?? [], [page]);
  const move = useCallback(
    (step: number) => {
      if (items.length === 0) {
        return;
      }
      const next = Math.min(items.length - 1, Math.max(0, active + step));
      setActive(next);
      links.current[next]?.focus();
    },
    [items.length, active],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (helpOpen || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
        return;
      }
      const handled = (() => {
        switch (event.key) {
          case 'j':
          case 'ArrowDown':
            move(1);
            return true;
          case 'k':
          case 'ArrowUp':
            move(-1);
            return true;
          case '/':
            searchBox.current?.focus();
            return true;
          case '?':
            setHelpOpen(true);
            return true;
          case 'Enter': {
            const target = items[active];
            if (target && !(event.target instanceof HTMLAnchorElement) && !(event.target instanceof HTMLButtonElement)) {
              navigate(paths.request(target.reference));
              return true;
            }
            return false;
          }
          default:
            return false;
        }
      })();
      if (handled) {
        event.preventDefault();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [helpOpen, move, items, active, navigate]);

  const group = filter.group ?? '';
  const view = viewOf(filter);
  const bulk = view === 'pending_validation' && worksRequests(me);
  const selection: Selection | null = bulk
    ? {
        chosen,
        toggle: (reference) =>
          setChosen((before) => {
            const next = new Set(before);
            if (!next.delete(reference)) {
              next.add(reference);
            }
            return next;
          }),
      }
    : null;
  const everyChosen = items.length > 0 && items.every((item) => chosen.has(item.reference));
  return (
    <div className="worklist">
      <div className="screen-head">
        <ScreenTitle>{t('worklist.title')}</ScreenTitle>
        <div className="screen-tools">
          {me.groups.length > 0 && (
            <GroupSwitcher value={group} onChange={(code) => change('group', code)} />
          )}
          {worksRequests(me) && (
            <Link className="button-like" to={paths.newRequest()}>
              {t('worklist.logContact')}
            </Link>
          )}
          <button type="button" className="button-secondary" onClick={() => setRound((n) => n + 1)}>
            {t('worklist.refresh')}
          </button>
          <button
            type="button"
            className="button-secondary"
            aria-keyshortcuts="?"
            onClick={() => setHelpOpen(true)}
          >
            {t('shortcuts.open')}
          </button>
        </div>
      </div>
      {me.groups.length === 0 && (
        <p className="notice" role="status">
          {t('worklist.noGroups')}
        </p>
      )}
      <ViewTabs
        counts={counts?.views ?? null}
        selected={view}
        onSelect={(next) => change('view', next === 'open' ? '' : next)}
      />
      <AlarmFilter value={filter.alarm ?? ''} counts={counts?.views ?? null} onChange={(alarm) => change('alarm', alarm)} />
      {counts && (
        <Counts counts={counts.counts} at={counts.at} selected={filter.sla ?? ''} onSelect={(sla) => change('sla', sla)} />
      )}
      <Filters filter={filter} onChange={change} searchBox={searchBox} />
      {Object.keys(filter).some((field) => field !== 'group') && (
        <p>
          <button
            type="button"
            className="button-link"
            onClick={() => navigate(paths.worklist(searchOf(group ? { group } : {})), { replace: true })}
          >
            {t('worklist.clear')}
          </button>
        </p>
      )}
      {error !== null && <ErrorNotice error={error} onRetry={() => setRound((n) => n + 1)} />}
      {page === null && error === null && <Loading />}
      {page !== null && bulk && (
        <BulkActions
          group={group}
          selected={items.map((item) => item.reference).filter((reference) => chosen.has(reference))}
          onDone={() => setRound((n) => n + 1)}
        />
      )}
      {page !== null && (
        <section aria-labelledby="results-title" className="results">
          <h2 id="results-title" className="results-count" aria-live="polite">
            {i18n.count('worklist.showing', items.length)}
          </h2>
          {items.length === 0 ? (
            <p className="empty">{t('worklist.empty')}</p>
          ) : (
            <table className="table worklist-table">
              <caption className="visually-hidden">
                {t('worklist.caption', { group: groupName(group, i18n.language) })}
              </caption>
              <thead>
                <tr>
                  {selection && (
                    <th scope="col" className="select-cell">
                      <span className="visually-hidden">{t('column.select')}</span>
                      <input
                        type="checkbox"
                        aria-label={t('bulk.selectAll')}
                        checked={everyChosen}
                        onChange={() => setChosen(everyChosen ? new Set() : new Set(items.map((item) => item.reference)))}
                      />
                    </th>
                  )}
                  <th scope="col">{t('column.reference')}</th>
                  <th scope="col">{t('column.theme')}</th>
                  <th scope="col">{t('column.channel')}</th>
                  <th scope="col">{t('column.district')}</th>
                  <th scope="col">{t('column.due')}</th>
                  <th scope="col">{t('column.priority')}</th>
                  <th scope="col">{t('column.sla')}</th>
                </tr>
              </thead>
              <Rows items={items} now={now} active={active} onFocusRow={setActive} links={links} selection={selection} />
            </table>
          )}
          {page.cursor && (
            <button type="button" className="button-secondary more" onClick={() => void more()} disabled={loadingMore}>
              {loadingMore ? t('worklist.loadingMore') : t('worklist.more')}
            </button>
          )}
        </section>
      )}
      <Shortcuts open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}
