/** What each back-office system knew, and how old that knowledge is. */

import type { Snapshot } from '../api/types';
import { useI18n } from '../i18n/context';

function shown(value: unknown, yes: string, no: string): string {
  if (typeof value === 'boolean') {
    return value ? yes : no;
  }
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}

function SnapshotCard({ snapshot, headingLevel }: { readonly snapshot: Snapshot; readonly headingLevel: 3 | 4 }) {
  const { t, duration, dateTime } = useI18n();
  const Heading = headingLevel === 3 ? 'h3' : 'h4';
  const entries = Object.entries(snapshot.data);
  return (
    <article className={`snapshot card ${snapshot.available ? '' : 'snapshot-unavailable'}`}>
      <header className="snapshot-head">
        <Heading>{snapshot.name}</Heading>
        <span className={`badge ${snapshot.available ? 'badge-ok' : 'badge-warn'}`}>
          {snapshot.available ? t('snapshot.available') : t('snapshot.unavailable')}
        </span>
      </header>
      <p className="hint">
        {snapshot.fetched_at !== null && snapshot.age_s !== null ? (
          <time dateTime={snapshot.fetched_at} title={dateTime(snapshot.fetched_at)}>
            {t('snapshot.fetched', { age: duration(-snapshot.age_s) })}
          </time>
        ) : (
          t('snapshot.never')
        )}
      </p>
      {entries.length === 0 ? (
        <p>{t('snapshot.noData')}</p>
      ) : (
        <dl className="facts facts-compact">
          {entries.map(([key, value]) => (
            <div key={key} className="fact">
              <dt>{key.replace(/_/g, ' ')}</dt>
              <dd>{shown(value, t('common.yes'), t('common.no'))}</dd>
            </div>
          ))}
        </dl>
      )}
    </article>
  );
}

export function Snapshots({
  snapshots,
  headingLevel = 3,
}: {
  readonly snapshots: readonly Snapshot[];
  readonly headingLevel?: 3 | 4;
}) {
  const { t } = useI18n();
  if (snapshots.length === 0) {
    return <p className="empty">{t('snapshot.empty')}</p>;
  }
  return (
    <div className="snapshots">
      {snapshots.map((snapshot) => (
        <SnapshotCard key={snapshot.system} snapshot={snapshot} headingLevel={headingLevel} />
      ))}
    </div>
  );
}
