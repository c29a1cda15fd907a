/**
 * What a campaign message costs as an SMS while it is typed: encoding, characters and
 * segments, the characters that force UCS-2 shown in the text, and a GSM-7 wording of it
 * to take with one click.
 */

import { gsmSafe, markOffending, measureSms } from '../engage/gsm';
import { useI18n } from '../i18n/context';

export function SmsMeter({
  id,
  text,
  onReword,
}: {
  readonly id: string;
  readonly text: string;
  readonly onReword: (text: string) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const measure = measureSms(text);
  const reworded = measure.encoding === 'UCS-2' ? gsmSafe(text) : text;
  const rewordable = reworded !== text && measureSms(reworded).encoding === 'GSM-7';
  return (
    <div className="sms-meter" id={id}>
      <output className="reply-counter" aria-live="polite" data-encoding={measure.encoding} data-segments={measure.segments}>
        <span>
          {t('reply.encoding')}: {measure.encoding}
        </span>
        <span>{i18n.count('reply.characters', measure.characters)}</span>
        <span>{i18n.count('reply.segments', measure.segments)}</span>
      </output>
      {measure.encoding === 'UCS-2' && (
        <div className="sms-ucs">
          <p className="hint">
            {t('sms.forcing', { characters: i18n.list(measure.offending.map((character) => `«${character}»`)) })}
          </p>
          <p className="sms-marked" aria-hidden="true">
            {markOffending(text).map((run, index) =>
              run.offending ? (
                <mark key={index} className="sms-offending">
                  {run.text}
                </mark>
              ) : (
                <span key={index}>{run.text}</span>
              ),
            )}
          </p>
          {rewordable && (
            <div className="sms-suggestion">
              <p className="hint">
                {t('sms.suggestion', { segments: i18n.count('reply.segments', measureSms(reworded).segments) })}
              </p>
              <p className="sms-reworded">{reworded}</p>
              <button type="button" className="button-secondary" onClick={() => onReword(reworded)}>
                {t('sms.useSuggestion')}
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
