/** The worklist's views as a segmented control with counts, its alarm filter, and alarm badges. */

import type { Alarm, ViewCounts, WorklistView } from '../api/types';
import { ALARMS, WORKLIST_VIEWS } from '../api/types';
import { useI18n } from '../i18n/context';

export function ViewTabs({
  counts,
  selected,
  onSelect,
}: {
  readonly counts: ViewCounts | null;
  readonly selected: WorklistView;
  readonly onSelect: (view: WorklistView) => void;
}) {
  const { t, word, number } = useI18n();
  return (
    <nav className="views" aria-labelledby="views-title">
      <h2 id="views-title" className="visually-hidden">
        {t('views.title')}
      </h2>
      <div className="view-buttons" role="group" aria-labelledby="views-title">
        {WORKLIST_VIEWS.map((view) => (
          <button
            key={view}
            type="button"
            className={`view view-${view}`}
            aria-pressed={selected === view}
            onClick={() => onSelect(view)}
          >
            <span className="view-label">{word('view', view)}</span>
            <span className="view-count">{counts ? number(counts[view]) : '…'}</span>
          </button>
        ))}
      </div>
    </nav>
  );
}

export function AlarmFilter({
  value,
  counts,
  onChange,
}: {
  readonly value: string;
  readonly counts: ViewCounts | null;
  readonly onChange: (alarm: string) => void;
}) {
  const { t, word, number } = useI18n();
  return (
    <div className="field field-compact alarm-filter">
      <label htmlFor="filter-alarm">{t('alarms.filter')}</label>
      <select id="filter-alarm" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t('worklist.any')}</option>
        {ALARMS.map((alarm) => {
          const raised = counts?.alarms[alarm];
          return (
            <option key={alarm} value={alarm}>
              {raised ? `${word('alarm', alarm)} (${number(raised)})` : word('alarm', alarm)}
            </option>
          );
        })}
      </select>
    </div>
  );
}

/** A request's alarms as text badges; nothing when it carries none. */
export function AlarmBadges({ alarms }: { readonly alarms: readonly Alarm[] | undefined }) {
  const { t, word } = useI18n();
  if (!alarms || alarms.length === 0) {
    return null;
  }
  return (
    <ul className="alarm-badges" aria-label={t('alarms.label')}>
      {alarms.map((alarm) => (
        <li key={alarm} className={`alarm-badge alarm-${alarm}`}>
          {word('alarm', alarm)}
        </li>
      ))}
    </ul>
  );
}
