/** A request's conversations: with other groups, an external body and the citizen. */

import { useCallback, useEffect, useState } from 'react';

import type { Conversation, ConversationOrder, ConversationWith, RequestRecord } from '../api/types';
import { useDesk } from '../desk';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/context';
import { useAction } from './action';
import { ErrorNotice } from './common';

const TABS: readonly ConversationWith[] = ['group', 'external', 'citizen'];

function sideOf(conversation: Conversation, t: (key: MessageKey, params?: Record<string, string>) => string): string {
  if (conversation.with === 'group') {
    return t('conv.withGroups', { groups: conversation.groups.join(', ') });
  }
  if (conversation.with === 'external') {
    return t('conv.withBody', { body: conversation.body_name ?? conversation.body_code ?? '' });
  }
  return t('conv.withCitizen');
}

function Thread({
  conversation,
  onChanged,
}: {
  readonly conversation: Conversation;
  readonly onChanged: (next: Conversation) => void;
}) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState('');
  const action = useAction();
  const field = `conv-reply-${conversation.id}`;

  const read = () => {
    void action.run(async () => onChanged(await api.readConversation(conversation.reference, conversation.id)));
  };
  const send = () => {
    if (text.trim() === '') {
      return;
    }
    void action
      .run(async () => onChanged(await api.postConversationMessage(conversation.reference, conversation.id, text.trim())))
      .then((ok) => ok && setText(''));
  };

  return (
    <li className="conversation" data-conversation={conversation.id} data-unread={conversation.unread}>
      <h4>
        {sideOf(conversation, t)}{' '}
        {conversation.unread && <span className="badge unread">{t('conv.unread')}</span>}
      </h4>
      <ol className="conversation-messages">
        {conversation.messages.map((message) => (
          <li key={message.id} className={message.incoming ? 'incoming' : 'outgoing'}>
            <span className="conversation-author">{message.author_name ?? message.author}</span>{' '}
            <time dateTime={message.at}>{i18n.dateTime(message.at)}</time>
            <p>{message.text}</p>
          </li>
        ))}
      </ol>
      {action.error !== null && <ErrorNotice error={action.error} />}
      {conversation.unread && (
        <button type="button" onClick={read} disabled={action.busy}>
          {t('conv.read')}
        </button>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        <label htmlFor={field}>{t('conv.reply')}</label>
        <textarea id={field} rows={2} value={text} onChange={(event) => setText(event.target.value)} required />
        <button type="submit" disabled={action.busy}>
          {t('conv.send')}
        </button>
      </form>
    </li>
  );
}

function Compose({
  reference,
  kind,
  onOpened,
}: {
  readonly reference: string;
  readonly kind: ConversationWith;
  readonly onOpened: (opened: Conversation) => void;
}) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [other, setOther] = useState('');
  const [text, setText] = useState('');
  const action = useAction();

  const start = () => {
    if (text.trim() === '') {
      return;
    }
    const order: ConversationOrder =
      kind === 'group'
        ? { with: kind, group: other.trim(), text: text.trim() }
        : kind === 'external' && other.trim() !== ''
          ? { with: kind, body_code: other.trim(), text: text.trim() }
          : { with: kind, text: text.trim() };
    void action
      .run(async () => onOpened(await api.openConversation(reference, order)))
      .then((ok) => {
        if (ok) {
          setText('');
          setOther('');
        }
      });
  };

  return (
    <form
      className="conversation-compose"
      onSubmit={(event) => {
        event.preventDefault();
        start();
      }}
    >
      {action.error !== null && <ErrorNotice error={action.error} />}
      {kind !== 'citizen' && (
        <div className="field">
          <label htmlFor={`conv-other-${kind}`}>{t(kind === 'group' ? 'conv.group' : 'conv.body')}</label>
          <input
            id={`conv-other-${kind}`}
            value={other}
            onChange={(event) => setOther(event.target.value)}
            required={kind === 'group'}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`conv-text-${kind}`}>{t('conv.text')}</label>
        <textarea id={`conv-text-${kind}`} rows={3} value={text} onChange={(event) => setText(event.target.value)} required />
      </div>
      <button type="submit" disabled={action.busy}>
        {action.busy ? t('action.working') : t('conv.start')}
      </button>
    </form>
  );
}

export function Conversations({ request }: { readonly request: RequestRecord }) {
  const { api } = useDesk();
  const { t } = useI18n();
  const [tab, setTab] = useState<ConversationWith>('group');
  const [items, setItems] = useState<readonly Conversation[]>([]);
  const reference = request.reference;

  const load = useCallback(() => {
    api.conversations(reference).then(setItems, () => setItems([]));
  }, [api, reference]);
  useEffect(load, [load]);

  const changed = (next: Conversation) =>
    setItems((current) => [next, ...current.filter((item) => item.id !== next.id)]);

  const shown = items.filter((item) => item.with === tab);
  return (
    <section className="card conversations" aria-labelledby="conversations-title">
      <h2 id="conversations-title">{t('conv.title')}</h2>
      <div role="tablist" aria-label={t('conv.title')}>
        {TABS.map((kind) => {
          const unread = items.filter((item) => item.with === kind && item.unread).length;
          return (
            <button
              key={kind}
              type="button"
              role="tab"
              id={`conv-tab-${kind}`}
              aria-selected={tab === kind}
              aria-controls="conv-panel"
              onClick={() => setTab(kind)}
            >
              {t(`conv.tab.${kind}`)}
              {unread > 0 && (
                <span className="badge unread">
                  {unread} {t('conv.unread')}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id="conv-panel" aria-labelledby={`conv-tab-${tab}`}>
        {shown.length === 0 ? (
          <p>{t('conv.none')}</p>
        ) : (
          <ul className="conversation-list">
            {shown.map((item) => (
              <Thread key={item.id} conversation={item} onChanged={changed} />
            ))}
          </ul>
        )}
        <Compose key={tab} reference={reference} kind={tab} onOpened={changed} />
      </div>
    </section>
  );
}
