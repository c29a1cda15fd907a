/** Campaigns: the list, the composer of a draft with its estimate and launch, and a campaign's progress. */

import { type SyntheticEvent, useEffect, useState } from 'react';

import { ApiError } from '../api/client';
import {
  type Campaign,
  type CampaignEstimate,
  type CampaignOrder,
  COUNTED_STATES,
  MESSAGE_PURPOSES,
  type ReachChannel,
  type RecipientState,
  type SegmentSummary,
} from '../api/engage';
import type { SurveySummary } from '../api/engageWire';
import { LANGUAGES, type Language } from '../api/types';
import { useAction } from '../components/action';
import { ErrorNotice, Facts, Loading, ScreenTitle, When } from '../components/common';
import { ConfirmDialog } from '../components/Dialog';
import { useLoad } from '../components/load';
import { SmsMeter } from '../components/SmsMeter';
import { useDesk } from '../desk';
import { estimateView } from '../engage/estimate';
import { cityTimeToIso, inQuietHours, isoToCityTime } from '../engage/schedule';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';
import { RecipientTable } from './CampaignRecipients';

/** How often a running campaign's counts are read again. */
export const REFRESH_MS = 4000;
const LIVE_STATES = new Set(['scheduled', 'planning', 'running']);

/** The channel orders the composer offers: the first the citizen can be reached on is used. */
const CHANNEL_ORDERS: readonly (readonly ReachChannel[])[] = [['sms', 'email'], ['email', 'sms'], ['sms'], ['email']];

export function Campaigns() {
  const { api } = useDesk();
  const { t, word, number } = useI18n();
  const { state, reload } = useLoad(() => api.campaigns(), [api]);
  return (
    <>
      <div className="screen-head">
        <ScreenTitle>{t('campaigns.title')}</ScreenTitle>
        <div className="screen-tools">
          <Link to={paths.campaign()} className="button-like">
            {t('campaigns.new')}
          </Link>
        </div>
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && <p className="empty">{t('campaigns.none')}</p>}
      {state.status === 'ready' && state.data.length > 0 && (
        <table className="table campaigns-table">
          <caption className="visually-hidden">{t('campaigns.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('column.name')}</th>
              <th scope="col">{t('column.state')}</th>
              {COUNTED_STATES.map((recipientState) => (
                <th key={recipientState} scope="col">
                  {word('recipient', recipientState)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {state.data.map((campaign) => (
              <tr key={campaign.id} data-campaign={campaign.id}>
                <th scope="row">
                  <Link to={paths.campaign(campaign.id)}>{campaign.name}</Link>
                </th>
                <td>
                  <span className={`badge campaign-${campaign.state}`}>{word('campaign', campaign.state)}</span>
                </td>
                {COUNTED_STATES.map((recipientState) => (
                  <td key={recipientState}>{number(campaign.counts[recipientState] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

interface SegmentChoice extends SegmentSummary {
  readonly count: number | null;
}

/** The saved segments, each with its preview count once counted. */
function useSegmentChoices(): { choices: readonly SegmentChoice[]; error: unknown } {
  const { api } = useDesk();
  const [choices, setChoices] = useState<readonly SegmentChoice[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.segments().then(
      (segments) => {
        if (!live) {
          return;
        }
        setChoices(segments.map((item) => ({ ...item, count: null })));
        for (const item of segments) {
          api
            .segment(item.id)
            .then((saved) => api.previewSegment(saved.definition))
            .then(
              (preview) =>
                live && setChoices((old) => old.map((choice) => (choice.id === item.id ? { ...choice, count: preview.count } : choice))),
              () => undefined,
            );
        }
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return { choices, error };
}

function emptyOrder(): CampaignOrder {
  return {
    name: '',
    segment_id: '',
    purpose: 'campaigns',
    messages: { ca: '' },
    subject: {},
    channels: ['sms', 'email'],
    survey_id: null,
    starts_at: null,
    quiet_hours_override: false,
    rate_per_second: 20,
  };
}

function orderOf(campaign: Campaign): CampaignOrder {
  const { name, segment_id, purpose, messages, subject, channels, survey_id, starts_at, quiet_hours_override, rate_per_second } = campaign;
  return { name, segment_id, purpose, messages, subject, channels, survey_id, starts_at, quiet_hours_override, rate_per_second };
}

/** The order as the API takes it: empty optional messages and subjects left out. */
function cleaned(order: CampaignOrder): CampaignOrder {
  const kept = (texts: Readonly<Partial<Record<Language, string>>>) =>
    Object.fromEntries(Object.entries(texts).filter(([, text]) => (text ?? '').trim() !== '').map(([code, text]) => [code, (text ?? '').trim()]));
  return { ...order, name: order.name.trim(), messages: kept(order.messages), subject: order.channels.includes('email') ? kept(order.subject) : {} };
}

function Composer({ saved, onSaved }: { readonly saved: Campaign | null; readonly onSaved: (campaign: Campaign) => void }) {
  const { api } = useDesk();
  const { t, word } = useI18n();
  const { navigate } = useNavigation();
  const [order, setOrder] = useState<CampaignOrder>(saved ? orderOf(saved) : emptyOrder());
  const [schedule, setSchedule] = useState(isoToCityTime(saved?.starts_at ?? null));
  const { choices, error: segmentsError } = useSegmentChoices();
  const surveys = useLoad<readonly SurveySummary[]>(() => api.surveys(), [api]);
  const action = useAction();
  const set = <K extends keyof CampaignOrder>(key: K, value: CampaignOrder[K]) => setOrder((old) => ({ ...old, [key]: value }));
  const setText = (field: 'messages' | 'subject', language: Language, text: string) =>
    setOrder((old) => ({ ...old, [field]: { ...old[field], [language]: text } }));
  const startsAt = cityTimeToIso(schedule);
  const quiet = order.channels.includes('sms') && startsAt !== null && inQuietHours(startsAt);
  const complete = order.name.trim() !== '' && order.segment_id !== '' && (order.messages.ca ?? '').trim() !== '';

  const save = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!complete) {
      return;
    }
    const wanted = cleaned({ ...order, starts_at: startsAt });
    void action.run(async () => {
      if (saved === null) {
        const created = await api.createCampaign(wanted);
        navigate(paths.campaign(created.id), { replace: true });
        return;
      }
      onSaved(await api.updateCampaign(saved.id, wanted, saved.version));
    });
  };

  return (
    <form className="card composer" aria-labelledby="composer-title" onSubmit={save} noValidate>
      <h2 id="composer-title">{t('composer.title')}</h2>
      {action.error !== null &&
        (action.error instanceof ApiError && action.error.status === 409 ? (
          <p className="notice notice-error" role="alert">
            {t('composer.conflict')}
          </p>
        ) : (
          <ErrorNotice error={action.error} />
        ))}
      {segmentsError !== null && <ErrorNotice error={segmentsError} />}
      <div className="field-row">
        <div className="field">
          <label htmlFor="campaign-name">{t('column.name')}</label>
          <input id="campaign-name" value={order.name} onChange={(event) => set('name', event.target.value)} required maxLength={120} />
        </div>
        <div className="field">
          <label htmlFor="campaign-segment">{t('composer.segment')}</label>
          <select id="campaign-segment" value={order.segment_id} onChange={(event) => set('segment_id', event.target.value)} required>
            <option value="">{t('composer.pickSegment')}</option>
            {choices.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.count === null ? choice.name : t('composer.segmentCount', { name: choice.name, count: choice.count })}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="choices-list">
        <legend>{t('column.purpose')}</legend>
        <div className="choices">
          {MESSAGE_PURPOSES.map((purpose) => (
            <label key={purpose} className="choice">
              <input
                type="radio"
                name="campaign-purpose"
                value={purpose}
                checked={order.purpose === purpose}
                onChange={() => set('purpose', purpose)}
              />
              {word('consent', purpose)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor="campaign-channels">{t('composer.channels')}</label>
        <select
          id="campaign-channels"
          value={order.channels.join(',')}
          onChange={(event) => set('channels', event.target.value.split(',') as ReachChannel[])}
          aria-describedby="campaign-channels-hint"
        >
          {CHANNEL_ORDERS.map((channels) => (
            <option key={channels.join(',')} value={channels.join(',')}>
              {channels.length === 1 ? t('composer.only', { channel: word('channel', channels[0] ?? '') }) : t('composer.then', { first: word('channel', channels[0] ?? ''), then: word('channel', channels[1] ?? '') })}
            </option>
          ))}
        </select>
        <p id="campaign-channels-hint" className="hint">
          {t('composer.channelsHint')}
        </p>
      </div>
      {LANGUAGES.map((language) => (
        <fieldset key={language} className="choices-list message-language" data-language={language}>
          <legend>{t('composer.message', { language: word('lang', language) })}</legend>
          {order.channels.includes('email') && (
            <div className="field">
              <label htmlFor={`campaign-subject-${language}`}>{t('composer.subject')}</label>
              <input
                id={`campaign-subject-${language}`}
                lang={language}
                value={order.subject[language] ?? ''}
                onChange={(event) => setText('subject', language, event.target.value)}
                maxLength={150}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={`campaign-message-${language}`}>
              {t('composer.text')} {language === 'ca' ? t('composer.required') : t('composer.optional')}
            </label>
            <textarea
              id={`campaign-message-${language}`}
              lang={language}
              rows={4}
              value={order.messages[language] ?? ''}
              onChange={(event) => setText('messages', language, event.target.value)}
              required={language === 'ca'}
              aria-describedby={`campaign-meter-${language}`}
            />
          </div>
          {order.channels.includes('sms') && (order.messages[language] ?? '') !== '' && (
            <SmsMeter id={`campaign-meter-${language}`} text={order.messages[language] ?? ''} onReword={(text) => setText('messages', language, text)} />
          )}
        </fieldset>
      ))}
      <div className="field-row">
        <div className="field">
          <label htmlFor="campaign-survey">{t('composer.survey')}</label>
          <select id="campaign-survey" value={order.survey_id ?? ''} onChange={(event) => set('survey_id', event.target.value || null)}>
            <option value="">{t('composer.noSurvey')}</option>
            {surveys.state.status === 'ready' &&
              surveys.state.data.map((survey) => (
                <option key={survey.id} value={survey.id}>
                  {survey.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="campaign-start">{t('composer.start')}</label>
          <input id="campaign-start" type="datetime-local" value={schedule} onChange={(event) => setSchedule(event.target.value)} aria-describedby="campaign-start-hint" />
          <p id="campaign-start-hint" className="hint">
            {t('composer.startHint')}
          </p>
        </div>
        <div className="field">
          <label htmlFor="campaign-rate">{t('composer.rate')}</label>
          <input
            id="campaign-rate"
            type="number"
            min={1}
            max={100}
            value={order.rate_per_second}
            onChange={(event) => set('rate_per_second', Math.max(1, Number(event.target.value) || 1))}
          />
        </div>
      </div>
      <label className="choice">
        <input type="checkbox" checked={order.quiet_hours_override} onChange={(event) => set('quiet_hours_override', event.target.checked)} />
        {t('composer.quietOverride')}
      </label>
      {order.quiet_hours_override && (
        <p className="notice notice-warn quiet-warning" role="status">
          {t('composer.quietWarning')}
        </p>
      )}
      {quiet && !order.quiet_hours_override && <p className="hint">{t('composer.quietWait')}</p>}
      <div className="form-buttons">
        <button type="submit" disabled={action.busy || !complete}>
          {action.busy ? t('action.working') : t('composer.save')}
        </button>
      </div>
    </form>
  );
}

function EstimatePanel({ campaign, onChanged }: { readonly campaign: Campaign; readonly onChanged: (campaign: Campaign) => void }) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t, word } = i18n;
  const [estimate, setEstimate] = useState<CampaignEstimate | null>(null);
  const [confirming, setConfirming] = useState(false);
  const asking = useAction();
  const launching = useAction();
  const view = estimate ? estimateView(estimate, i18n.language) : null;
  const ask = () => {
    void asking.run(async () => setEstimate(await api.estimateCampaign(campaign.id)));
  };
  const launch = () => {
    void launching.run(async () => {
      const launched = await api.changeCampaign(campaign.id, 'launch', campaign.version);
      setConfirming(false);
      onChanged(launched);
    });
  };
  return (
    <section className="card estimate" aria-labelledby="estimate-title">
      <h2 id="estimate-title">{t('estimate.title')}</h2>
      <p className="hint">{t('estimate.intro')}</p>
      {asking.error !== null && <ErrorNotice error={asking.error} />}
      <div className="form-buttons">
        <button type="button" className="button-secondary" onClick={ask} disabled={asking.busy}>
          {asking.busy ? t('action.working') : t('estimate.ask')}
        </button>
        <button type="button" onClick={() => setConfirming(true)} disabled={view === null || view.recipientsTotal === 0}>
          {t('estimate.launch')}
        </button>
      </div>
      <div aria-live="polite">
        {view && (
          <>
            <table className="table estimate-recipients">
              <caption>{t('estimate.recipients')}</caption>
              <tbody>
                {view.recipients.map((line) => (
                  <tr key={line.channel} data-channel={line.channel}>
                    <th scope="row">{word('channel', line.channel)}</th>
                    <td>{line.shown}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">{t('estimate.unreachable')}</th>
                  <td>{i18n.number(view.unreachable)}</td>
                </tr>
              </tbody>
            </table>
            <table className="table estimate-sms">
              <caption>{t('estimate.sms')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('column.languages')}</th>
                  <th scope="col">{t('reply.encoding')}</th>
                  <th scope="col">{t('estimate.segments')}</th>
                  <th scope="col">{t('estimate.perMessage')}</th>
                </tr>
              </thead>
              <tbody>
                {view.languages.map((line) => (
                  <tr key={line.language} data-language={line.language}>
                    <th scope="row">{word('lang', line.language)}</th>
                    <td>{line.encoding ?? '—'}</td>
                    <td>{i18n.number(line.segments)}</td>
                    <td>{line.cost}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="estimate-total" data-total={estimate?.total}>
              {t('estimate.total', { total: view.total })}
            </p>
          </>
        )}
      </div>
      <ConfirmDialog
        id="campaign-launch"
        open={confirming}
        title={t('launch.title', { name: campaign.name })}
        confirm={t('launch.confirm')}
        busy={launching.busy}
        onConfirm={launch}
        onCancel={() => setConfirming(false)}
      >
        {view && <p className="launch-summary">{t('launch.summary', { recipients: i18n.number(view.recipientsTotal), total: view.total })}</p>}
        {launching.error !== null && <ErrorNotice error={launching.error} explain={{ conflict: 'launch.conflict' }} />}
      </ConfirmDialog>
    </section>
  );
}

function Progress({ campaign, onChanged }: { readonly campaign: Campaign; readonly onChanged: (campaign: Campaign) => void }) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t, word } = i18n;
  const action = useAction();
  const [filter, setFilter] = useState<RecipientState | null>(null);
  const change = (what: 'pause' | 'resume' | 'cancel') => {
    void action.run(async () => onChanged(await api.changeCampaign(campaign.id, what, campaign.version)));
  };
  const total = COUNTED_STATES.reduce((sum, state) => sum + (campaign.counts[state] ?? 0), 0);
  return (
    <>
      <section className="card" aria-labelledby="progress-title">
        <h2 id="progress-title">{t('progress.title')}</h2>
        <p>
          <span className={`badge campaign-${campaign.state}`} data-state={campaign.state}>
            {word('campaign', campaign.state)}
          </span>
        </p>
        <dl className="counts-list" aria-live="polite">
          {COUNTED_STATES.map((state) => (
            <div key={state} className="count-item" data-count={state}>
              <dt>{word('recipient', state)}</dt>
              <dd>{i18n.number(campaign.counts[state] ?? 0)}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">{i18n.count('progress.recipients', total)}</p>
        {action.error !== null && <ErrorNotice error={action.error} explain={{ conflict: 'progress.conflict' }} />}
        <div className="form-buttons">
          {campaign.state === 'running' && (
            <button type="button" className="button-secondary" onClick={() => change('pause')} disabled={action.busy}>
              {t('progress.pause')}
            </button>
          )}
          {campaign.state === 'paused' && (
            <button type="button" onClick={() => change('resume')} disabled={action.busy}>
              {t('progress.resume')}
            </button>
          )}
          {['scheduled', 'planning', 'running', 'paused'].includes(campaign.state) && (
            <button type="button" className="button-danger" onClick={() => change('cancel')} disabled={action.busy}>
              {t('progress.cancel')}
            </button>
          )}
          {campaign.survey_id && (
            <Link to={paths.surveyResults(campaign.survey_id, campaign.id)} className="button-like button-like-secondary">
              {t('progress.results')}
            </Link>
          )}
        </div>
      </section>
      <section className="card" aria-labelledby="recipients-title">
        <h2 id="recipients-title">{t('recipients.title')}</h2>
        <div className="field field-narrow">
          <label htmlFor="recipient-state">{t('column.state')}</label>
          <select id="recipient-state" value={filter ?? ''} onChange={(event) => setFilter((event.target.value || null) as RecipientState | null)}>
            <option value="">{t('worklist.any')}</option>
            {COUNTED_STATES.map((state) => (
              <option key={state} value={state}>
                {word('recipient', state)}
              </option>
            ))}
          </select>
        </div>
        <RecipientTable key={filter ?? 'all'} campaignId={campaign.id} state={filter} />
      </section>
    </>
  );
}

function Summary({ campaign }: { readonly campaign: Campaign }) {
  const { t, word, list } = useI18n();
  return (
    <Facts
      items={[
        [t('column.purpose'), word('consent', campaign.purpose)],
        [t('composer.channels'), list(campaign.channels.map((channel) => word('channel', channel)))],
        [t('composer.start'), campaign.starts_at ? <When iso={campaign.starts_at} /> : t('composer.onLaunch')],
        [t('composer.rate'), String(campaign.rate_per_second)],
      ]}
    />
  );
}

/** A campaign, read again every few seconds while it is scheduled, planning or running. */
function LoadedCampaign({ initial }: { readonly initial: Campaign }) {
  const { api } = useDesk();
  const [campaign, setCampaign] = useState(initial);
  const live = LIVE_STATES.has(campaign.state);
  useEffect(() => {
    if (!live) {
      return undefined;
    }
    let on = true;
    const timer = window.setInterval(() => {
      api.campaign(campaign.id).then(
        (fresh) => on && setCampaign(fresh),
        () => undefined,
      );
    }, REFRESH_MS);
    return () => {
      on = false;
      window.clearInterval(timer);
    };
  }, [api, campaign.id, live]);
  return (
    <>
      <Summary campaign={campaign} />
      {campaign.state === 'draft' ? (
        <>
          <Composer key={campaign.version} saved={campaign} onSaved={setCampaign} />
          <EstimatePanel key={`estimate-${campaign.version}`} campaign={campaign} onChanged={setCampaign} />
        </>
      ) : (
        <Progress campaign={campaign} onChanged={setCampaign} />
      )}
    </>
  );
}

export function CampaignScreen({ campaignId }: { readonly campaignId: string | null }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const { state, reload } = useLoad(() => (campaignId === null ? Promise.resolve(null) : api.campaign(campaignId)), [api, campaignId]);
  return (
    <>
      <p className="back">
        <Link to={paths.campaigns()}>{t('campaigns.back')}</Link>
      </p>
      <ScreenTitle>{state.status === 'ready' && state.data ? state.data.name : t('campaigns.newTitle')}</ScreenTitle>
      {state.status === 'loading' && <Loading />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data === null && <Composer saved={null} onSaved={() => undefined} />}
      {state.status === 'ready' && state.data !== null && <LoadedCampaign key={state.data.id} initial={state.data} />}
    </>
  );
}
