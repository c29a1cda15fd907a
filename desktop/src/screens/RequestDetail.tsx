/** One request: what it is, what happened, what the back office knows, and what to do next. */

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type { Duplicate, Location, RequestDetail as Detail, RequestRecord, TimelineEntry } from '../api/types';
import { FINAL_STATES } from '../api/types';
import { worksRequests } from '../auth/roles';
import { districtName, groupName } from '../city';
import { ErrorNotice, Facts, Loading, PriorityTag, ScreenTitle, SlaBadge, When } from '../components/common';
import { Conversations } from '../components/Conversations';
import { JoinButton, Links } from '../components/Links';
import { useLoad } from '../components/load';
import { MediaLink } from '../components/MediaLink';
import { RequestAlarms } from '../components/RequestAlarms';
import { Snapshots } from '../components/Snapshots';
import { actorOf } from '../components/timelineActor';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { keyOf } from '../i18n/messages';
import { Link, paths, useNavigation } from '../router';
import { AttachmentForm, AttachmentList } from './Attachments';
import { LockBanner, LockGuardProvider, useLockKeeping } from './LockBanner';
import { ReplyBox } from './ReplyBox';
import { AssignForm, NoteForm, PriorityForm, ThemeForm, TransitionForm } from './RequestActions';

/** Who acted, in words: a user name, the person, city staff or an external body. */
function TimelineActor({ actor, actorName }: { readonly actor: string | null; readonly actorName: string | null | undefined }) {
  const { t } = useI18n();
  const found = actorOf(actor, actorName);
  if (found === null) {
    return null;
  }
  let words: string;
  switch (found.kind) {
    case 'name':
      words = found.name;
      break;
    case 'external':
      words = t('timeline.actor.external', { code: found.code });
      break;
    default:
      words = t(`timeline.actor.${found.kind}`);
  }
  return <span className="timeline-actor"> · {t('timeline.by', { actor: words })}</span>;
}

function Timeline({ entries }: { readonly entries: readonly TimelineEntry[] }) {
  const { t, word, dateTime } = useI18n();
  if (entries.length === 0) {
    return <p className="empty">{t('timeline.empty')}</p>;
  }
  return (
    <ol className="timeline">
      {entries.map((entry, index) => (
        <li key={`${entry.at}-${index}`} className={`timeline-entry timeline-${entry.kind}`}>
          <p className="timeline-head">
            <strong>{word('timeline.kind', entry.kind)}</strong>{' '}
            <time dateTime={entry.at}>{dateTime(entry.at)}</time>
            {entry.channel && entry.channel !== 'internal' && (
              <span className="timeline-channel">
                {' · '}
                {keyOf('channel', entry.channel) ? word('channel', entry.channel) : word('response', entry.channel)}
              </span>
            )}
            <TimelineActor actor={entry.actor} actorName={entry.actor_name} />
          </p>
          {entry.from_state && entry.to_state && (
            <p className="timeline-change">
              {t('timeline.change', { from: word('state', entry.from_state), to: word('state', entry.to_state) })}
            </p>
          )}
          {entry.text && <p className="timeline-text">{entry.text}</p>}
          <MediaLink url={entry.media_url} />
          {entry.kind === 'note' && !entry.text && !entry.reason && (
            <p className="timeline-text">
              <a href="#files-title">{t('timeline.fileAdded')}</a>
            </p>
          )}
          {entry.reason && <p className="timeline-reason">{t('timeline.reason', { reason: entry.reason })}</p>}
        </li>
      ))}
    </ol>
  );
}

function Duplicates({
  items,
  joining = null,
}: {
  readonly items: readonly Duplicate[];
  readonly joining?: { readonly request: RequestRecord; readonly onDone: (announcement: string) => void } | null;
}) {
  const { t, word, distance } = useI18n();
  if (items.length === 0) {
    return <p className="empty">{t('duplicates.empty')}</p>;
  }
  return (
    <table className="table">
      <caption className="visually-hidden">{t('detail.duplicates')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('column.reference')}</th>
          <th scope="col">{t('column.state')}</th>
          <th scope="col">{t('column.distance')}</th>
          <th scope="col">{t('column.received')}</th>
          {joining && <th scope="col">{t('detail.actions')}</th>}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.reference}>
            <th scope="row">
              <Link to={paths.request(item.reference)} className="reference">
                {item.reference}
              </Link>
            </th>
            <td>{word('state', item.state)}</td>
            <td>{item.distance_m === null ? '—' : distance(item.distance_m)}</td>
            <td>
              <When iso={item.received_at} />
            </td>
            {joining && (
              <td>
                {!FINAL_STATES.includes(item.state) && <JoinButton request={joining.request} into={item.reference} onDone={joining.onDone} />}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Place({ location }: { readonly location: Location | null }) {
  const { t, coordinates } = useI18n();
  if (location === null) {
    return <p className="empty">{t('location.none')}</p>;
  }
  const { lat, lon } = location;
  const facts: Array<readonly [string, string]> = [];
  if (location.address) {
    facts.push([t('location.address'), location.address]);
  }
  if (location.neighbourhood) {
    facts.push([t('location.neighbourhood'), location.neighbourhood]);
  }
  facts.push([t('column.district'), districtName(location.district) ?? t('district.none')]);
  if (lat !== null && lon !== null) {
    facts.push([t('location.coordinates'), coordinates(lat, lon)]);
  }
  return (
    <>
      <Facts items={facts} />
      {lat !== null && lon !== null && (
        <p>
          <a
            href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`}
            target="_blank"
            rel="noopener noreferrer"
          >
            {t('location.map')}
          </a>
        </p>
      )}
    </>
  );
}

function Header({ detail }: { readonly detail: Detail }) {
  const i18n = useI18n();
  const { t, word } = i18n;
  const request = detail.request;
  return (
    <section className="card request-head" aria-labelledby="summary-title">
      <h2 id="summary-title" className="visually-hidden">
        {t('detail.summary')}
      </h2>
      <Facts
        items={[
          [t('detail.theme'), request.theme_name],
          [t('detail.state'), word('state', request.state)],
          [t('detail.priority'), <PriorityTag key="priority" priority={request.priority} />],
          [t('detail.group'), groupName(request.group, i18n.language)],
          [
            t('detail.due'),
            request.due_at ? (
              <span key="due">
                <When iso={request.due_at} /> <SlaBadge sla={request.sla} />
              </span>
            ) : (
              t('worklist.noDue')
            ),
          ],
          [t('detail.received'), <When key="received" iso={request.received_at} />],
          [t('detail.channel'), word('channel', request.channel)],
          [t('detail.responseChannel'), word('response', request.response_channel)],
          [t('detail.language'), t(`lang.${request.language}`)],
          [
            t('detail.citizen'),
            request.citizen_id ? (
              <Link key="citizen" to={paths.citizen(request.citizen_id)}>
                {t('detail.openCitizen')}
              </Link>
            ) : (
              t('detail.noCitizen')
            ),
          ],
        ]}
      />
      <h3>{t('detail.description')}</h3>
      <p className="description">{request.description}</p>
      {request.attachments.length > 0 && (
        <p>
          <a href="#files-title">{i18n.count('detail.attachments', request.attachments.length)}</a>
        </p>
      )}
    </section>
  );
}

export function RequestDetail({ reference }: { readonly reference: string }) {
  const { api, me } = useDesk();
  const { t } = useI18n();
  const { search, navigate } = useNavigation();
  const acting = worksRequests(me);
  const holdingRef = useRef(false);
  const { state, reload } = useLoad(async () => {
    if (acting) {
      holdingRef.current = true;
      // Another's lock answers 409; the detail read next names its holder.
      await api.takeLock(reference).catch(() => undefined);
    }
    return api.request(reference);
  }, [api, reference, acting]);
  const lock = state.status === 'ready' ? state.data.lock : null;
  const [takingOver, setTakingOver] = useState(false);
  const [takeOverError, setTakeOverError] = useState<unknown>(null);
  useLockKeeping({
    reference,
    holdingRef,
    mine: state.status === 'ready' ? lock?.mine === true : null,
    onLost: reload,
    onBack: reload,
  });
  const news = search.get('logged') === '1';
  const [announcement, setAnnouncement] = useState(() => (news ? t('intake.done', { reference }) : ''));
  useEffect(() => {
    if (news) {
      navigate(paths.request(reference), { replace: true });
    }
  }, [news, navigate, reference]);
  const [left, setLeft] = useState(false);
  const done = (message: string) => {
    setAnnouncement(message);
    reload();
  };
  const gone = (message: string) => {
    setAnnouncement(message);
    setLeft(true);
  };
  const held = lock !== null && !lock.mine;
  const guard = useMemo(() => ({ held, lost: reload }), [held, reload]);
  const retry = useCallback(() => {
    setTakeOverError(null);
    reload();
  }, [reload]);
  const takeOver = () => {
    if (lock === null) {
      return;
    }
    setTakingOver(true);
    setTakeOverError(null);
    api
      .releaseLock(reference, { force: true })
      .then(
        () => {
          setAnnouncement(t('lock.takenOver', { name: lock.holder_name }));
          reload();
        },
        (error: unknown) => setTakeOverError(error),
      )
      .finally(() => setTakingOver(false));
  };
  return (
    <div className="request">
      <p className="back">
        <Link to={paths.worklist()}>{t('detail.back')}</Link>
      </p>
      <ScreenTitle>{t('detail.title', { reference })}</ScreenTitle>
      <div className="notice notice-ok" role="status" aria-live="polite" hidden={announcement === ''}>
        {announcement}
      </div>
      {left && (
        <p>
          <Link to={paths.worklist()}>{t('detail.back')}</Link>
        </p>
      )}
      {!left && state.status === 'loading' && <Loading />}
      {!left && state.status === 'failed' && <ErrorNotice error={state.error} onRetry={reload} />}
      {!left && state.status === 'ready' && acting && (
        <LockBanner lock={lock} busy={takingOver} onRetry={retry} onTakeOver={takeOver} />
      )}
      {!left && takeOverError !== null && <ErrorNotice error={takeOverError} />}
      {!left && state.status === 'ready' && (
        <div className="request-layout">
          <div className="request-main">
            <Header detail={state.data} />
            <section aria-labelledby="timeline-title">
              <h2 id="timeline-title">{t('detail.timeline')}</h2>
              <Timeline entries={state.data.timeline} />
            </section>
            <section aria-labelledby="files-title">
              <h2 id="files-title" tabIndex={-1}>
                {t('detail.files')}
              </h2>
              <AttachmentList reference={state.data.request.reference} items={state.data.request.attachments} />
            </section>
            <section aria-labelledby="snapshots-title">
              <h2 id="snapshots-title">{t('detail.snapshots')}</h2>
              <Snapshots snapshots={state.data.snapshots} />
            </section>
            <section aria-labelledby="duplicates-title">
              <h2 id="duplicates-title">{t('detail.duplicates')}</h2>
              <Duplicates
                items={state.data.duplicates}
                joining={acting && !FINAL_STATES.includes(state.data.request.state) && !state.data.links?.joined_to ? { request: state.data.request, onDone: done } : null}
              />
            </section>
            <Links request={state.data.request} links={state.data.links} acting={acting} onDone={done} />
            <Conversations key={`conversations-${state.data.request.reference}`} request={state.data.request} />
            <section aria-labelledby="location-title">
              <h2 id="location-title">{t('detail.location')}</h2>
              <Place location={state.data.request.location} />
            </section>
          </div>
          <LockGuardProvider value={guard}>
            <section className="request-actions" aria-labelledby="actions-title">
              <h2 id="actions-title">{t('detail.actions')}</h2>
              <RequestAlarms request={state.data.request} onDone={done} />
              <ReplyBox key={`reply-${state.data.request.reference}`} request={state.data.request} onDone={done} />
              <TransitionForm
                key={`transition-${state.data.request.state}`}
                request={state.data.request}
                allowed={state.data.allowed_transitions}
                onDone={done}
              />
              <AssignForm key={`assign-${state.data.request.group}`} request={state.data.request} onDone={done} />
              {acting && !FINAL_STATES.includes(state.data.request.state) && (
                <ThemeForm
                  key={`theme-${state.data.request.theme}`}
                  request={state.data.request}
                  onDone={done}
                  onLeft={gone}
                />
              )}
              <PriorityForm key={`priority-${state.data.request.priority}`} request={state.data.request} onDone={done} />
              <NoteForm request={state.data.request} onDone={done} />
              {acting && <AttachmentForm request={state.data.request} onDone={done} />}
            </section>
          </LockGuardProvider>
        </div>
      )}
    </div>
  );
}
