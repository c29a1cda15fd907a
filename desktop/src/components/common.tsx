/** Small pieces every screen shares. */

import { type ReactNode, useEffect, useRef } from 'react';

import { ApiError } from '../api/client';
import type { Priority, Sla } from '../api/types';
import { DISTRICTS } from '../city';
import { useI18n } from '../i18n/context';
import { errorMessage, type MessageKey } from '../i18n/messages';

/** The screen's heading, focused when the screen opens so a screen reader announces it. */
export function ScreenTitle({ children, id }: { readonly children: ReactNode; readonly id?: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={heading} id={id} tabIndex={-1} className="screen-title">
      {children}
    </h1>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

/**
 * A failed call, in the user's language, with the fields it names and a retry.
 *
 * `explain` gives a screen its own message for an error code (a merge's conflict is not
 * a request's); every other code keeps the shared one.
 */
export function ErrorNotice({
  error,
  onRetry,
  explain = {},
}: {
  readonly error: unknown;
  readonly onRetry?: () => void;
  readonly explain?: Readonly<Partial<Record<string, MessageKey>>>;
}) {
  const i18n = useI18n();
  const fields = error instanceof ApiError ? error.errors : [];
  const own = error instanceof ApiError ? explain[error.code] : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <p>{own ? i18n.t(own) : errorMessage(i18n.language, error)}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => (
            <li key={`${field.field}:${field.rule}`}>{i18n.t('error.field', { field: field.field, rule: field.rule })}</li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          {i18n.t('error.retry')}
        </button>
      )}
    </div>
  );
}

/** A load that failed for a reason the screen names itself, with a retry. */
export function FailedNotice({ message, onRetry }: { readonly message: string; readonly onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <div className="notice notice-error" role="alert">
      <p>{message}</p>
      <button type="button" className="button-secondary" onClick={onRetry}>
        {t('error.retry')}
      </button>
    </div>
  );
}

export function SlaBadge({ sla }: { readonly sla: Sla }) {
  const { word } = useI18n();
  return <span className={`badge sla-${sla}`}>{word('sla', sla)}</span>;
}

export function PriorityTag({ priority }: { readonly priority: Priority }) {
  const { word } = useI18n();
  return <span className={`priority priority-${priority}`}>{word('priority', priority)}</span>;
}

/** A time shown relative to now, with the exact time for hover and assistive technology. */
/** The city's districts as the options of a select, after whatever first option it has. */
export function DistrictOptions() {
  return DISTRICTS.map((district) => (
    <option key={district.code} value={district.code}>
      {district.name}
    </option>
  ));
}

export function When({ iso, now }: { readonly iso: string; readonly now?: Date }) {
  const { relative, dateTime } = useI18n();
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {relative(iso, now)}
    </time>
  );
}

/** A labelled list of facts: `<dl>` with one term and value a row. */
export function Facts({ items }: { readonly items: ReadonlyArray<readonly [string, ReactNode]> }) {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
