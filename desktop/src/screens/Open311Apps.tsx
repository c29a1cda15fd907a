/** The Open311 client apps: the list, registering one (its key shown once) and revoking one (administrators only). */

import { type SyntheticEvent, useEffect, useRef, useState } from 'react';

import { type Open311App, orderProblem, type RegisteredApp } from '../api/open311Apps';
import { isAdministrator } from '../auth/roles';
import { useAction } from '../components/action';
import { ErrorNotice, Loading, ScreenTitle } from '../components/common';
import { ConfirmDialog } from '../components/Dialog';
import { useLoad } from '../components/load';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';

type Copying = 'idle' | 'copied' | 'failed';

/** The key just handed out, with a copy button; once closed it cannot be shown again. */
function IssuedKey({ issued, onDone }: { readonly issued: RegisteredApp; readonly onDone: () => void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copying, setCopying] = useState<Copying>('idle');
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const copy = async () => {
    try {
      if (!navigator.clipboard) {
        throw new Error('no clipboard');
      }
      await navigator.clipboard.writeText(issued.api_key);
      setCopying('copied');
    } catch {
      field.current?.select();
      setCopying('failed');
    }
  };
  return (
    <section className="card notice-ok open311-key" aria-labelledby="open311-key-title">
      <h2 id="open311-key-title" ref={heading} tabIndex={-1}>
        {t('open311.keyTitle', { name: issued.app.name })}
      </h2>
      <p id="open311-key-once">
        <strong>{t('open311.keyOnce')}</strong>
      </p>
      <div className="field">
        <label htmlFor="open311-key">{t('open311.keyLabel')}</label>
        <input
          ref={field}
          id="open311-key"
          value={issued.api_key}
          readOnly
          spellCheck={false}
          autoComplete="off"
          aria-describedby="open311-key-once"
          onFocus={(event) => event.target.select()}
        />
      </div>
      <div className="field-row">
        <button type="button" onClick={() => void copy()}>
          {t('open311.copy')}
        </button>
        <button type="button" className="button-secondary" onClick={onDone}>
          {t('open311.keyDone')}
        </button>
      </div>
      <p role="status" className={copying === 'failed' ? 'field-problem' : 'hint'}>
        {copying === 'copied' && t('open311.copied')}
        {copying === 'failed' && t('open311.copyFailed')}
      </p>
    </section>
  );
}

/** One field of the registration form, with its hint and, once tried, its problem. */
function AppField({
  field,
  value,
  onChange,
  invalid,
  maxLength,
  spellCheck,
}: {
  readonly field: 'id' | 'name';
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly invalid: boolean;
  readonly maxLength: number;
  readonly spellCheck?: boolean;
}) {
  const { t } = useI18n();
  const base = `open311-${field}`;
  return (
    <div className="field">
      <label htmlFor={base}>{t(`open311.${field}`)}</label>
      <input
        id={base}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={invalid}
        aria-describedby={`${base}-hint ${base}-problem`}
        autoComplete="off"
        {...(spellCheck === undefined ? {} : { spellCheck })}
        maxLength={maxLength}
        required
      />
      <span id={`${base}-hint`} className="hint">
        {t(`open311.${field}Hint`)}
      </span>
      <span id={`${base}-problem`} className="field-problem">
        {invalid ? t(`open311.${field}Invalid`) : ''}
      </span>
    </div>
  );
}

function RegisterForm({ onRegistered }: { readonly onRegistered: (issued: RegisteredApp) => void }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const action = useAction();
  const problem = tried ? orderProblem({ id, name }) : null;

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (orderProblem({ id, name }) !== null) {
      return;
    }
    await action.run(async () => {
      const issued = await api.registerOpen311App({ id, name: name.trim() });
      setId('');
      setName('');
      setTried(false);
      onRegistered(issued);
    });
  };

  return (
    <form className="card open311-register" aria-labelledby="open311-register-title" onSubmit={(event) => void submit(event)} noValidate>
      <h2 id="open311-register-title">{t('open311.registerTitle')}</h2>
      <div className="field-row">
        <AppField field="id" value={id} onChange={setId} invalid={problem === 'id'} maxLength={40} spellCheck={false} />
        <AppField field="name" value={name} onChange={setName} invalid={problem === 'name'} maxLength={120} />
      </div>
      {action.error !== null && <ErrorNotice error={action.error} explain={{ conflict: 'open311.taken' }} />}
      <button type="submit" disabled={action.busy}>
        {action.busy ? t('open311.registering') : t('open311.submit')}
      </button>
    </form>
  );
}

function AppList({ apps, onRevoke }: { readonly apps: readonly Open311App[]; readonly onRevoke: (app: Open311App) => void }) {
  const { t, dateTime, date } = useI18n();
  if (apps.length === 0) {
    return <p className="empty">{t('open311.none')}</p>;
  }
  return (
    <table className="table open311-table">
      <caption className="visually-hidden">{t('open311.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('open311.column.id')}</th>
          <th scope="col">{t('open311.column.name')}</th>
          <th scope="col">{t('open311.column.registered')}</th>
          <th scope="col">{t('open311.column.state')}</th>
          <th scope="col">{t('open311.column.action')}</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((app) => (
          <tr key={app.id} data-app={app.id} data-revoked={app.revoked_at !== null}>
            <th scope="row">
              <code>{app.id}</code>
            </th>
            <td>{app.name}</td>
            <td>
              <time dateTime={app.registered_at}>{dateTime(app.registered_at)}</time>
            </td>
            <td>
              {app.revoked_at === null ? (
                t('open311.active')
              ) : (
                <time dateTime={app.revoked_at}>{t('open311.revokedOn', { date: date(app.revoked_at) })}</time>
              )}
            </td>
            <td>
              {app.revoked_at === null && (
                <button type="button" className="button-danger" onClick={() => onRevoke(app)} aria-label={t('open311.revokeLabel', { id: app.id })}>
                  {t('open311.revoke')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RevokeDialog({
  app,
  onRevoked,
  onCancel,
}: {
  readonly app: Open311App | null;
  readonly onRevoked: (app: Open311App) => void;
  readonly onCancel: () => void;
}) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ readonly id: string; readonly error: unknown } | null>(null);
  const revoke = async () => {
    if (app === null) {
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      onRevoked(await api.revokeOpen311App(app.id));
    } catch (error) {
      setFailure({ id: app.id, error });
    } finally {
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      id="open311-revoke"
      open={app !== null}
      title={t('open311.revokeTitle', { name: app?.name ?? '' })}
      confirm={t('open311.revokeConfirm')}
      busy={busy}
      danger
      onConfirm={() => void revoke()}
      onCancel={onCancel}
    >
      <p>{t('open311.revokeText')}</p>
      {failure !== null && failure.id === app?.id && <ErrorNotice error={failure.error} />}
    </ConfirmDialog>
  );
}

export function Open311Apps() {
  const { api, me } = useDesk();
  const { t } = useI18n();
  const allowed = isAdministrator(me);
  const { state, reload } = useLoad(() => (allowed ? api.open311Apps() : Promise.resolve([])), [api, allowed]);
  const [issued, setIssued] = useState<RegisteredApp | null>(null);
  const [revoking, setRevoking] = useState<Open311App | null>(null);
  const [news, setNews] = useState<string | null>(null);

  if (!allowed) {
    return (
      <>
        <ScreenTitle>{t('open311.title')}</ScreenTitle>
        <p className="notice notice-error" role="alert">
          {t('open311.forbidden')}
        </p>
      </>
    );
  }

  const registered = (answer: RegisteredApp) => {
    setNews(null);
    setIssued(answer);
    reload();
  };
  const revoked = (app: Open311App) => {
    setRevoking(null);
    setNews(t('open311.revoked', { id: app.id }));
    reload();
  };

  return (
    <div className="open311-apps">
      <ScreenTitle>{t('open311.title')}</ScreenTitle>
      <p className="hint">{t('open311.intro')}</p>
      <p className="notice notice-ok" role="status" hidden={news === null}>
        {news}
      </p>
      {issued !== null && <IssuedKey key={issued.app.id} issued={issued} onDone={() => setIssued(null)} />}
      <RegisterForm onRegistered={registered} />
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <AppList apps={state.data} onRevoke={setRevoking} />}
      <RevokeDialog app={revoking} onRevoked={revoked} onCancel={() => setRevoking(null)} />
    </div>
  );
}
