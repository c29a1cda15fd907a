/** Segments: the saved list, and the editor of one definition with its live preview. */

import { type SyntheticEvent, useEffect, useMemo, useState } from 'react';

import { ApiError } from '../api/client';
import { MESSAGE_PURPOSES, RATINGS, REACH_CHANNELS, type Segment, type SegmentPreview } from '../api/engage';
import { CHANNELS, LANGUAGES, REQUEST_STATES } from '../api/types';
import { districtName, DISTRICTS, NEIGHBOURHOODS, neighbourhoodName } from '../city';
import { useAction } from '../components/action';
import { CheckGroup } from '../components/CheckGroup';
import { ErrorNotice, Loading, ScreenTitle, When } from '../components/common';
import { ConfirmDialog } from '../components/Dialog';
import { useLoad } from '../components/load';
import { ThemePicker } from '../components/ThemePicker';
import { useDesk } from '../desk';
import { definitionOf, EMPTY_FORM, formOf, formProblem, type SegmentForm } from '../engage/segmentForm';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';

export const PREVIEW_DELAY_MS = 400;

export function Segments() {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => api.segments(), [api]);
  return (
    <>
      <div className="screen-head">
        <ScreenTitle>{t('segments.title')}</ScreenTitle>
        <div className="screen-tools">
          <Link to={paths.segment()} className="button-like">
            {t('segments.new')}
          </Link>
        </div>
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && <p className="empty">{t('segments.none')}</p>}
      {state.status === 'ready' && state.data.length > 0 && (
        <table className="table segments-table">
          <caption className="visually-hidden">{t('segments.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('column.name')}</th>
              <th scope="col">{t('segments.description')}</th>
              <th scope="col">{t('segments.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {state.data.map((item) => (
              <tr key={item.id}>
                <th scope="row">
                  <Link to={paths.segment(item.id)}>{item.name}</Link>
                </th>
                <td>{item.description}</td>
                <td>
                  <When iso={item.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The preview of a definition, asked for a moment after the form last changed. */
function usePreview(form: SegmentForm): { preview: SegmentPreview | null; error: unknown; counting: boolean } {
  const { api } = useDesk();
  const definition = useMemo(() => definitionOf(form), [form]);
  const wanted = JSON.stringify(definition);
  const [answer, setAnswer] = useState<{ asked: string; preview: SegmentPreview | null; error: unknown }>({
    asked: '',
    preview: null,
    error: null,
  });
  const valid = formProblem(form) === null;
  useEffect(() => {
    if (!valid) {
      return undefined;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api.previewSegment(JSON.parse(wanted) as typeof definition).then(
        (preview) => live && setAnswer({ asked: wanted, preview, error: null }),
        (error: unknown) => live && setAnswer((old) => ({ asked: wanted, preview: old.preview, error })),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, wanted, valid]);
  return { preview: answer.preview, error: answer.error, counting: answer.asked !== wanted && valid };
}

function PreviewPanel({ form }: { readonly form: SegmentForm }) {
  const i18n = useI18n();
  const { t, word, number } = i18n;
  const { preview, error, counting } = usePreview(form);
  return (
    <section className="card segment-preview" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('segments.preview')}</h2>
      <div aria-live="polite" className="preview-live" data-counting={counting ? 'true' : 'false'}>
        {counting && <p className="hint">{t('segments.counting')}</p>}
        {preview && (
          <p className="preview-count" data-count={preview.count}>
            {i18n.count('segments.citizens', preview.count)}
          </p>
        )}
      </div>
      {error !== null && <ErrorNotice error={error} />}
      {preview && (
        <>
          <table className="table preview-reach">
            <caption>{t('segments.reachable')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('segments.channel')}</th>
                {MESSAGE_PURPOSES.map((purpose) => (
                  <th key={purpose} scope="col">
                    {word('consent', purpose)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {REACH_CHANNELS.map((channel) => (
                <tr key={channel}>
                  <th scope="row">{word('channel', channel)}</th>
                  {MESSAGE_PURPOSES.map((purpose) => (
                    <td key={purpose} data-reach={`${channel}:${purpose}`}>
                      {number(preview.reachable[`${channel}:${purpose}`] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <table className="table preview-sample">
            <caption>{t('segments.sample', { count: preview.sample.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('segments.citizen')}</th>
                <th scope="col">{t('column.district')}</th>
                <th scope="col">{t('segments.neighbourhood')}</th>
                <th scope="col">{t('column.languages')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.sample.map((member) => (
                <tr key={member.citizen_id}>
                  <td className="reference">{member.citizen_id}</td>
                  <td>{districtName(member.district) ?? t('district.none')}</td>
                  <td>{neighbourhoodName(member.neighbourhood) ?? '—'}</td>
                  <td>{word('lang', member.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint preview-cost" data-reads={preview.reads}>
            {t('segments.cost', { reads: number(preview.reads), units: number(preview.read_units) })}
          </p>
        </>
      )}
    </section>
  );
}

function DefinitionFields({ form, onChange }: { readonly form: SegmentForm; readonly onChange: (form: SegmentForm) => void }) {
  const { t, word } = useI18n();
  const set = <K extends keyof SegmentForm>(key: K) => (value: SegmentForm[K]) => onChange({ ...form, [key]: value });
  const neighbourhoods =
    form.districts.length === 0 ? NEIGHBOURHOODS : NEIGHBOURHOODS.filter((item) => form.districts.includes(item.district));
  const problem = formProblem(form);
  return (
    <>
      <CheckGroup
        name="districts"
        legend={t('segments.districts')}
        options={DISTRICTS.map((district) => ({ value: district.code, label: district.name }))}
        values={form.districts}
        onChange={set('districts')}
      />
      <div className="field">
        <label htmlFor="segment-neighbourhoods">{t('segments.neighbourhoods')}</label>
        <select
          id="segment-neighbourhoods"
          multiple
          size={6}
          value={[...form.neighbourhoods]}
          onChange={(event) => set('neighbourhoods')([...event.target.selectedOptions].map((option) => option.value))}
          aria-describedby="segment-neighbourhoods-hint"
        >
          {neighbourhoods.map((item) => (
            <option key={item.code} value={item.code}>
              {item.name}
            </option>
          ))}
        </select>
        <p id="segment-neighbourhoods-hint" className="hint">
          {t('segments.neighbourhoodsHint')}
        </p>
      </div>
      <CheckGroup
        name="languages"
        legend={t('column.languages')}
        options={LANGUAGES.map((code) => ({ value: code, label: word('lang', code) }))}
        values={form.languages}
        onChange={set('languages')}
      />
      <CheckGroup
        name="reachable"
        legend={t('segments.reachableBy')}
        options={REACH_CHANNELS.map((channel) => ({ value: channel, label: word('channel', channel) }))}
        values={form.reachable}
        onChange={set('reachable')}
      />
      <CheckGroup
        name="consents"
        legend={t('segments.consents')}
        options={MESSAGE_PURPOSES.map((purpose) => ({ value: purpose, label: word('consent', purpose) }))}
        values={form.consents}
        onChange={set('consents')}
      />
      <fieldset className="choices-list">
        <legend>{t('segments.requests')}</legend>
        <ThemePicker chosen={form.themes} onChange={set('themes')} />
        <CheckGroup
          name="states"
          legend={t('filter.state')}
          options={REQUEST_STATES.map((state) => ({ value: state, label: word('state', state) }))}
          values={form.states}
          onChange={set('states')}
        />
        <CheckGroup
          name="input-channels"
          legend={t('column.channel')}
          options={CHANNELS.map((channel) => ({ value: channel, label: word('channel', channel) }))}
          values={form.inputChannels}
          onChange={set('inputChannels')}
        />
        <div className="field-row">
          <div className="field">
            <label htmlFor="segment-since">{t('segments.since')}</label>
            <input id="segment-since" type="date" value={form.since} onChange={(event) => set('since')(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="segment-until">{t('segments.until')}</label>
            <input
              id="segment-until"
              type="date"
              value={form.until}
              onChange={(event) => set('until')(event.target.value)}
              aria-invalid={problem !== null}
              aria-describedby="segment-window-problem"
            />
          </div>
        </div>
        <p id="segment-window-problem" className="field-problem" role="status">
          {problem !== null && t('segments.windowReversed')}
        </p>
      </fieldset>
      <CheckGroup
        name="satisfaction"
        legend={t('segments.satisfaction')}
        options={RATINGS.map((rating) => ({ value: rating, label: String(rating) }))}
        values={form.satisfaction}
        onChange={set('satisfaction')}
      />
      <div className="field">
        <label htmlFor="segment-tags">{t('segments.tags')}</label>
        <input id="segment-tags" value={form.tags} onChange={(event) => set('tags')(event.target.value)} aria-describedby="segment-tags-hint" />
        <p id="segment-tags-hint" className="hint">
          {t('segments.tagsHint')}
        </p>
      </div>
    </>
  );
}

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

function SegmentEditor({ saved }: { readonly saved: Segment | null }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { navigate } = useNavigation();
  const [name, setName] = useState(saved?.name ?? '');
  const [description, setDescription] = useState(saved?.description ?? '');
  const [form, setForm] = useState<SegmentForm>(saved ? formOf(saved.definition) : EMPTY_FORM);
  const [version, setVersion] = useState(saved?.version ?? 0);
  const [news, setNews] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const removal = useAction();

  const save = (event: SyntheticEvent) => {
    event.preventDefault();
    if (formProblem(form) !== null || name.trim() === '') {
      return;
    }
    const order = { name: name.trim(), description: description.trim(), definition: definitionOf(form) };
    void action.run(async () => {
      setNews(null);
      if (saved === null) {
        const created = await api.createSegment(order);
        navigate(paths.segment(created.id), { replace: true });
        return;
      }
      const updated = await api.updateSegment(saved.id, order, version);
      setVersion(updated.version);
      setNews(t('segments.saved'));
    });
  };

  const remove = () => {
    if (saved === null) {
      return;
    }
    void removal.run(async () => {
      await api.deleteSegment(saved.id);
      setConfirming(false);
      navigate(paths.segments());
    });
  };

  return (
    <div className="segment-layout">
      <form className="card segment-form" aria-labelledby="segment-form-title" onSubmit={save} noValidate>
        <h2 id="segment-form-title">{t('segments.definition')}</h2>
        {action.error !== null &&
          (isConflict(action.error) ? (
            <div className="notice notice-error" role="alert">
              <p>{t('segments.conflict')}</p>
            </div>
          ) : (
            <ErrorNotice error={action.error} />
          ))}
        {news && (
          <p className="notice notice-ok" role="status">
            {news}
          </p>
        )}
        <div className="field">
          <label htmlFor="segment-name">{t('column.name')}</label>
          <input id="segment-name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={120} />
        </div>
        <div className="field">
          <label htmlFor="segment-description">{t('segments.description')}</label>
          <textarea id="segment-description" rows={2} value={description} onChange={(event) => setDescription(event.target.value)} maxLength={500} />
        </div>
        <DefinitionFields form={form} onChange={setForm} />
        <div className="form-buttons">
          <button type="submit" disabled={action.busy || name.trim() === '' || formProblem(form) !== null}>
            {action.busy ? t('action.working') : t('segments.save')}
          </button>
          {saved !== null && (
            <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
              {t('segments.delete')}
            </button>
          )}
        </div>
      </form>
      <PreviewPanel form={form} />
      <ConfirmDialog
        id="segment-delete"
        open={confirming}
        title={t('segments.deleteTitle', { name: saved?.name ?? '' })}
        confirm={t('segments.delete')}
        busy={removal.busy}
        danger
        onConfirm={remove}
        onCancel={() => setConfirming(false)}
      >
        <p>{t('segments.deleteText')}</p>
        {removal.error !== null &&
          (isConflict(removal.error) ? (
            <p className="notice notice-error" role="alert">
              {t('segments.inUse')}
            </p>
          ) : (
            <ErrorNotice error={removal.error} />
          ))}
      </ConfirmDialog>
    </div>
  );
}

export function SegmentScreen({ segmentId }: { readonly segmentId: string | null }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => (segmentId === null ? Promise.resolve(null) : api.segment(segmentId)), [api, segmentId]);
  return (
    <>
      <p className="back">
        <Link to={paths.segments()}>{t('segments.back')}</Link>
      </p>
      <ScreenTitle>{state.status === 'ready' && state.data ? state.data.name : t('segments.newTitle')}</ScreenTitle>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && <SegmentEditor key={state.data?.id ?? 'new'} saved={state.data} />}
    </>
  );
}
