/** A request's links: its principal or joined requests, split parts, claims; and the join action. */

import { useState } from 'react';

import type { LinkedRequest, RequestLinks, RequestRecord } from '../api/types';
import { FINAL_STATES } from '../api/types';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import type { MessageKey } from '../i18n/en';
import { Link, paths } from '../router';
import { useAction } from './action';
import { ClaimDialog } from './ClaimDialog';
import { ErrorNotice } from './common';
import { SplitDialog } from './SplitDialog';

const EMPTY: RequestLinks = {
  reference: '',
  joined_to: null,
  joined: [],
  split_from: null,
  parts: [],
  claim_of: null,
  claims: [],
  duplicate_of: null,
};

function Linked({ items }: { readonly items: readonly LinkedRequest[] }) {
  const { word } = useI18n();
  return (
    <ul className="links-list">
      {items.map((item) => (
        <li key={item.reference}>
          <Link to={paths.request(item.reference)} className="reference">
            {item.reference}
          </Link>
          {item.state && <span className="links-state"> · {word('state', item.state)}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The links panel of a request's detail, with unjoin, split and claim where they apply. */
export function Links({
  request,
  links,
  acting,
  onDone,
}: {
  readonly request: RequestRecord;
  readonly links: RequestLinks | null | undefined;
  readonly acting: boolean;
  readonly onDone: (announcement: string) => void;
}) {
  const { api } = useDesk();
  const { t } = useI18n();
  const action = useAction();
  const [dialog, setDialog] = useState<'split' | 'claim' | null>(null);
  const shown = links ?? EMPTY;
  const rows: Array<readonly [MessageKey, readonly LinkedRequest[]]> = [
    ['links.joinedTo', shown.joined_to ? [shown.joined_to] : []],
    ['links.joined', shown.joined],
    ['links.splitFrom', shown.split_from ? [shown.split_from] : []],
    ['links.parts', shown.parts],
    ['links.claimOf', shown.claim_of ? [shown.claim_of] : []],
    ['links.claims', shown.claims],
    ['links.duplicateOf', shown.duplicate_of ? [shown.duplicate_of] : []],
  ];
  const present = rows.filter(([, items]) => items.length > 0);
  const ended = FINAL_STATES.includes(request.state);
  const claimable = request.state === 'closed' || request.state === 'cancelled';
  const unjoin = () => {
    const principal = shown.joined_to?.reference ?? '';
    void action
      .run(() => api.unjoin(request.reference).then(() => undefined))
      .then((ok) => ok && onDone(t('links.unjoined', { reference: principal })));
  };
  return (
    <section className="card links" aria-labelledby="links-title">
      <h2 id="links-title">{t('links.title')}</h2>
      {action.error !== null && <ErrorNotice error={action.error} />}
      {shown.joined_to && <p className="notice">{t('links.followsNote', { reference: shown.joined_to.reference })}</p>}
      {present.length === 0 ? (
        <p className="empty">{t('links.none')}</p>
      ) : (
        <dl className="links-facts">
          {present.map(([label, items]) => (
            <div key={label} className="fact">
              <dt>{t(label)}</dt>
              <dd>
                <Linked items={items} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      {acting && (
        <div className="links-buttons">
          {shown.joined_to && !ended && (
            <button type="button" className="button-secondary" disabled={action.busy} onClick={unjoin}>
              {t('links.unjoin')}
            </button>
          )}
          {!ended && !shown.joined_to && (
            <button type="button" className="button-secondary" onClick={() => setDialog('split')}>
              {t('split.open')}
            </button>
          )}
          {claimable && (
            <button type="button" className="button-secondary" onClick={() => setDialog('claim')}>
              {t('claim.open')}
            </button>
          )}
        </div>
      )}
      <SplitDialog request={request} open={dialog === 'split'} onClose={() => setDialog(null)} onDone={onDone} />
      <ClaimDialog request={request} open={dialog === 'claim'} onClose={() => setDialog(null)} onDone={onDone} />
    </section>
  );
}

/** The "join to this" action of one duplicate candidate. */
export function JoinButton({
  request,
  into,
  onDone,
}: {
  readonly request: RequestRecord;
  readonly into: string;
  readonly onDone: (announcement: string) => void;
}) {
  const { api } = useDesk();
  const { t } = useI18n();
  const action = useAction();
  const join = () =>
    void action
      .run(() => api.join(request.reference, into).then(() => undefined))
      .then((ok) => ok && onDone(t('join.done', { reference: into })));
  return (
    <>
      <button type="button" className="button-secondary" disabled={action.busy} aria-label={t('join.label', { reference: into })} onClick={join}>
        {t('join.action')}
      </button>
      {action.error !== null && <ErrorNotice error={action.error} explain={{ conflict: 'join.refused' }} />}
    </>
  );
}
