/**
 * What staff can do to a request: change its state, reassign it, correct its theme, set
 * its priority, add a note.
 */

import { type SyntheticEvent, type ReactNode, useState } from 'react';

import type { Priority, RequestRecord, RequestState, RequestSummary } from '../api/types';
import { PRIORITIES } from '../api/types';
import { coversGroup } from '../auth/roles';
import { groupName } from '../city';
import { useAction } from '../components/action';
import { ErrorNotice, FailedNotice } from '../components/common';
import { useLoad } from '../components/load';
import { byArea, themeLabel, useThemes } from '../components/themes';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { useLockGuard } from './LockBanner';

export interface ActionProps {
  readonly request: RequestRecord;
  /** Called with what to announce once the action has been saved. */
  readonly onDone: (announcement: string) => void;
}

export interface ThemeProps extends ActionProps {
  /** Called instead of `onDone` when the request moved to a group outside the user's. */
  readonly onLeft: (announcement: string) => void;
}

function ActionForm({
  id,
  title,
  submit,
  busy,
  error,
  onSubmit,
  children,
}: {
  readonly id: string;
  readonly title: string;
  readonly submit: string;
  readonly busy: boolean;
  readonly error: unknown;
  readonly onSubmit: () => void;
  readonly children: ReactNode;
}) {
  const { t } = useI18n();
  const lock = useLockGuard(error);
  const send = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!lock.disabled) {
      onSubmit();
    }
  };
  return (
    <form className="card action" aria-labelledby={`${id}-title`} onSubmit={send}>
      <h3 id={`${id}-title`}>{title}</h3>
      {error !== null && <ErrorNotice error={error} />}
      {children}
      <button type="submit" disabled={busy || lock.disabled} aria-describedby={lock.describedBy}>
        {busy ? t('action.working') : submit}
      </button>
    </form>
  );
}

function Reason({ id, value, onChange }: { readonly id: string; readonly value: string; readonly onChange: (v: string) => void }) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{t('action.reason')}</label>
      <textarea id={id} rows={2} value={value} onChange={(event) => onChange(event.target.value)} required />
    </div>
  );
}

export function TransitionForm({ request, allowed, onDone }: ActionProps & { readonly allowed: readonly RequestState[] }) {
  const { api } = useDesk();
  const { t, word } = useI18n();
  const [to, setTo] = useState<RequestState | ''>(allowed[0] ?? '');
  const [reason, setReason] = useState('');
  const [survivor, setSurvivor] = useState('');
  const action = useAction();
  if (allowed.length === 0) {
    return (
      <section className="card action" aria-labelledby="transition-title">
        <h3 id="transition-title">{t('action.transition.title')}</h3>
        <p>{t('action.transition.none')}</p>
      </section>
    );
  }
  const target = to && allowed.includes(to) ? to : allowed[0];
  const submit = () =>
    target &&
    reason.trim() &&
    void action
      .run(() =>
        api.transition(request.reference, target, reason.trim(), target === 'cancelled' ? survivor.trim().toUpperCase() || null : null).then(() => undefined),
      )
      .then((ok) => {
        if (ok) {
          setReason('');
          setSurvivor('');
          onDone(t('action.transition.done', { state: word('state', target) }));
        }
      });
  return (
    <ActionForm
      id="transition"
      title={t('action.transition.title')}
      submit={t('action.transition.submit')}
      busy={action.busy}
      error={action.error}
      onSubmit={submit}
    >
      <div className="field">
        <label htmlFor="transition-to">{t('action.transition.to')}</label>
        <select id="transition-to" value={target} onChange={(event) => setTo(event.target.value as RequestState)}>
          {allowed.map((state) => (
            <option key={state} value={state}>
              {word('state', state)}
            </option>
          ))}
        </select>
      </div>
      {target === 'cancelled' && (
        <div className="field">
          <label htmlFor="transition-duplicate">{t('action.transition.duplicateOf')}</label>
          <input
            id="transition-duplicate"
            value={survivor}
            onChange={(event) => setSurvivor(event.target.value)}
            aria-describedby="transition-duplicate-hint"
            pattern="[A-Za-z]{2,5}-\d{4}-\d{6}(-R\d+)?"
          />
          <p id="transition-duplicate-hint" className="hint">
            {t('action.transition.duplicateHint')}
          </p>
        </div>
      )}
      <Reason id="transition-reason" value={reason} onChange={setReason} />
    </ActionForm>
  );
}

export function AssignForm({ request, onDone }: ActionProps) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const [group, setGroup] = useState('');
  const targets = useLoad(() => api.reassignTargets(request.group, i18n.language), [api, request.group, i18n.language]);
  const [agent, setAgent] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = () =>
    group.trim() &&
    reason.trim() &&
    void action
      .run(() => api.reassign(request.reference, group.trim(), agent.trim() || null, reason.trim()).then(() => undefined))
      .then((ok) => {
        if (ok) {
          setReason('');
          onDone(t('action.assign.done', { group: groupName(group.trim(), i18n.language) }));
        }
      });
  return (
    <ActionForm
      id="assign"
      title={t('action.assign.title')}
      submit={t('action.assign.submit')}
      busy={action.busy}
      error={action.error}
      onSubmit={submit}
    >
      <div className="field">
        <label htmlFor="assign-group">{t('action.assign.group')}</label>
        <select id="assign-group" value={group} onChange={(event) => setGroup(event.target.value)} required>
          <option value="">{t('groups.chooseTarget')}</option>
          {targets.state.status === 'ready' &&
            targets.state.data.items.map((target) => (
              <option key={target.code} value={target.code}>
                {target.name}
              </option>
            ))}
        </select>
        {targets.state.status === 'failed' && <FailedNotice message={t('groups.targetsFailed')} onRetry={targets.reload} />}
      </div>
      <div className="field">
        <label htmlFor="assign-agent">{t('action.assign.agent')}</label>
        <input id="assign-agent" value={agent} onChange={(event) => setAgent(event.target.value)} autoComplete="off" />
      </div>
      <Reason id="assign-reason" value={reason} onChange={setReason} />
    </ActionForm>
  );
}

export function PriorityForm({ request, onDone }: ActionProps) {
  const { api } = useDesk();
  const { t, word } = useI18n();
  const [priority, setPriority] = useState<Priority>(request.priority);
  const action = useAction();
  const submit = () =>
    void action
      .run(() => api.setPriority(request.reference, priority).then(() => undefined))
      .then((ok) => ok && onDone(t('action.priority.done', { priority: word('priority', priority) })));
  return (
    <ActionForm
      id="priority"
      title={t('action.priority.title')}
      submit={t('action.priority.submit')}
      busy={action.busy}
      error={action.error}
      onSubmit={submit}
    >
      <div className="field">
        <label htmlFor="priority-value">{t('detail.priority')}</label>
        <select id="priority-value" value={priority} onChange={(event) => setPriority(event.target.value as Priority)}>
          {PRIORITIES.map((code) => (
            <option key={code} value={code}>
              {word('priority', code)}
            </option>
          ))}
        </select>
      </div>
    </ActionForm>
  );
}

export function NoteForm({ request, onDone }: ActionProps) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [text, setText] = useState('');
  const action = useAction();
  const submit = () =>
    text.trim() &&
    void action
      .run(() => api.addNote(request.reference, text.trim()).then(() => undefined))
      .then((ok) => {
        if (ok) {
          setText('');
          onDone(t('action.note.done'));
        }
      });
  return (
    <ActionForm
      id="note"
      title={t('action.note.title')}
      submit={t('action.note.submit')}
      busy={action.busy}
      error={action.error}
      onSubmit={submit}
    >
      <div className="field">
        <label htmlFor="note-text">{t('action.note.text')}</label>
        <textarea id="note-text" rows={3} value={text} onChange={(event) => setText(event.target.value)} required />
      </div>
    </ActionForm>
  );
}

export function ThemeForm({ request, onDone, onLeft }: ThemeProps) {
  const { api, me } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const { themes, failed, retry } = useThemes();
  const [theme, setTheme] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const others = (themes ?? []).filter((choice) => choice.code !== request.theme);
  const submit = () => {
    const chosen = others.find((choice) => choice.code === theme);
    if (!chosen || !reason.trim()) {
      return;
    }
    const result: { summary: RequestSummary | null; covered: boolean } = { summary: null, covered: false };
    void action
      .run(async () => {
        const summary = await api.correctTheme(request.reference, chosen.code, reason.trim());
        result.summary = summary;
        result.covered =
          coversGroup(me, summary.group) ||
          coversGroup(me, summary.group, await api.myGroups(i18n.language).catch(() => []));
      })
      .then((ok) => {
        const summary = result.summary;
        if (!ok || summary === null) {
          return;
        }
        const group = groupName(summary.group, i18n.language);
        if (result.covered) {
          setTheme('');
          setReason('');
          onDone(t('action.theme.done', { theme: themeLabel(chosen), group }));
        } else {
          onLeft(t('action.theme.left', { theme: themeLabel(chosen), group }));
        }
      });
  };
  return (
    <ActionForm
      id="theme"
      title={t('action.theme.title')}
      submit={t('action.theme.submit')}
      busy={action.busy}
      error={action.error}
      onSubmit={submit}
    >
      <p className="hint">{t('action.theme.hint')}</p>
      {failed ? (
        <FailedNotice message={t('themes.failed')} onRetry={retry} />
      ) : (
        <div className="field">
          <label htmlFor="theme-to">{t('action.theme.to')}</label>
          <select id="theme-to" value={theme} onChange={(event) => setTheme(event.target.value)} required>
            <option value="">{themes === null ? t('app.loading') : t('action.theme.choose')}</option>
            {byArea(others).map(([area, choices]) => (
              <optgroup key={area} label={area}>
                {choices.map((choice) => (
                  <option key={choice.code} value={choice.code}>
                    {themeLabel(choice)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
      )}
      <Reason id="theme-reason" value={reason} onChange={setReason} />
    </ActionForm>
  );
}
