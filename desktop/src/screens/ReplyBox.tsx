/** Answer the citizen on their channel, seeing the SMS cost while typing. */

import { useEffect, useState } from 'react';

import type { FittingTemplate, Language, ReplyDraft, ReplyPreview, SentReply } from '../api/types';
import { LANGUAGES } from '../api/types';
import { useAction } from '../components/action';
import { ErrorNotice } from '../components/common';
import { useDraft } from '../components/useDraft';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { useLockGuard } from './LockBanner';
import type { ActionProps } from './RequestActions';

export const PREVIEW_DELAY_MS = 300;

function usePreview(text: string, channel: string): { preview: ReplyPreview | null; counting: boolean } {
  const { api } = useDesk();
  const [answer, setAnswer] = useState<{ text: string; preview: ReplyPreview | null }>({ text: '', preview: null });
  const wanted = channel === 'sms' && text !== '';
  useEffect(() => {
    if (!wanted) {
      return undefined;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api.previewReply(text, channel).then(
        (preview) => live && setAnswer({ text, preview }),
        () => live && setAnswer({ text, preview: null }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, text, channel, wanted]);
  if (!wanted) {
    return { preview: null, counting: false };
  }
  return answer.text === text ? { preview: answer.preview, counting: false } : { preview: null, counting: true };
}

function useTemplates(reference: string, language: Language): readonly FittingTemplate[] {
  const { api } = useDesk();
  const [templates, setTemplates] = useState<readonly FittingTemplate[]>([]);
  useEffect(() => {
    let live = true;
    api.templatesFor(reference, language).then(
      (found) => live && setTemplates(found),
      () => live && setTemplates([]),
    );
    return () => {
      live = false;
    };
  }, [api, reference, language]);
  return templates;
}

export function ReplyBox({ request, onDone }: ActionProps) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t, word } = i18n;
  const [language, setLanguage] = useState<Language>(request.language);
  const [template, setTemplate] = useState<string>('');
  const [text, setText] = useState('');
  const templates = useTemplates(request.reference, language);
  const draft = useDraft(request.reference, { text, template: template || null, language }, (saved: ReplyDraft) => {
    setText(saved.text);
    setTemplate(saved.template ?? '');
    setLanguage(saved.language);
  });
  const channel = request.response_channel;
  const { preview, counting } = usePreview(text, channel);
  const action = useAction();
  const lock = useLockGuard(action.error);

  if (channel === 'none') {
    return (
      <section className="card reply" aria-labelledby="reply-title">
        <h3 id="reply-title">{t('reply.title')}</h3>
        <p>{t('reply.noChannel')}</p>
      </section>
    );
  }

  const pick = (id: string) => {
    setTemplate(id);
    const chosen = templates.find((item) => item.id === id);
    if (chosen) {
      setText(chosen.text);
    }
  };

  const send = () => {
    if (text.trim() === '' || lock.disabled) {
      return;
    }
    const result: { sent: SentReply | null } = { sent: null };
    void action
      .run(async () => {
        result.sent = await api.reply(request.reference, text.trim(), template || null, language);
      })
      .then((ok) => {
        const sent = result.sent;
        if (ok && sent) {
          draft.sent();
          setText('');
          setTemplate('');
          onDone(
            t('reply.done', {
              channel: word('response', sent.channel),
              segments: i18n.count('reply.segments', sent.segments),
              cost: i18n.cost(sent.cost_eur),
            }),
          );
        }
      });
  };

  return (
    <form
      className="card reply"
      aria-labelledby="reply-title"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <h3 id="reply-title">{t('reply.title')}</h3>
      <p>{t('reply.via', { channel: word('response', channel) })}</p>
      {action.error !== null && <ErrorNotice error={action.error} />}
      <div className="field-row">
        <div className="field">
          <label htmlFor="reply-language">{t('reply.language')}</label>
          <select
            id="reply-language"
            value={language}
            onChange={(event) => {
              setLanguage(event.target.value as Language);
              setTemplate('');
            }}
          >
            {LANGUAGES.map((code) => (
              <option key={code} value={code} lang={code}>
                {t(`lang.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="reply-template">{t('reply.template')}</label>
          <select id="reply-template" value={template} onChange={(event) => pick(event.target.value)}>
            <option value="">{t('reply.noTemplate')}</option>
            {templates.map((item) => (
              <option key={item.id} value={item.id}>
                {item.title}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="reply-text">{t('reply.text')}</label>
        <textarea
          id="reply-text"
          rows={5}
          lang={language}
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby="reply-counter"
          required
        />
      </div>
      <output id="reply-counter" className="reply-counter" htmlFor="reply-text" aria-live="polite">
        <span>{i18n.count('reply.characters', [...text].length)}</span>
        {counting && <span>{t('reply.counting')}</span>}
        {!counting && preview && (
          <>
            <span>{i18n.count('reply.segments', preview.segments)}</span>
            <span>
              {t('reply.encoding')}: {preview.encoding}
            </span>
            <span>
              {t('reply.cost')}: {i18n.cost(preview.cost_eur)}
            </span>
          </>
        )}
      </output>
      {preview?.encoding === 'UCS-2' && <p className="hint">{t('reply.ucsHint')}</p>}
      <p className="hint draft-status" role="status" data-draft={draft.status}>
        {draft.status === 'saving' && t('reply.draftSaving')}
        {draft.status === 'saved' && draft.savedAt && t('reply.draftSaved', { time: i18n.time(draft.savedAt) })}
        {draft.status === 'restored' && t('reply.draftRestored')}
        {draft.status === 'conflict' && t('reply.draftConflict')}
      </p>
      <button type="submit" disabled={action.busy || lock.disabled} aria-describedby={lock.describedBy}>
        {action.busy ? t('action.working') : t('reply.send')}
      </button>
    </form>
  );
}
