/** Log a phone call or a visit to a service centre as a new request. */

import { type SyntheticEvent, useEffect, useState } from 'react';

import type { CitizenView, ContactChannel, Language, RequestType, ResponseChannel } from '../api/types';
import { CONTACT_CHANNELS, LANGUAGES, REQUEST_TYPES, RESPONSE_CHANNELS } from '../api/types';
import { worksRequests } from '../auth/roles';
import { useAction } from '../components/action';
import { DistrictOptions, ErrorNotice, FailedNotice, ScreenTitle } from '../components/common';
import { byArea, themeLabel, useThemes } from '../components/themes';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { Link, paths, useNavigation } from '../router';
import {
  type ContactForm,
  contactOrderOf,
  DESCRIPTION_MAX_LENGTH,
  EMPTY_CONTACT,
  newIdempotencyKey,
} from './contactOrder';

type Known = { readonly status: 'none' } | { readonly status: 'loading' } | { readonly status: 'ready'; readonly view: CitizenView } | { readonly status: 'failed'; readonly error: unknown };

function useCitizen(citizenId: string | null): Known {
  const { api } = useDesk();
  const [known, setKnown] = useState<{ id: string; state: Known } | null>(null);
  useEffect(() => {
    if (citizenId === null) {
      return undefined;
    }
    let live = true;
    api.citizen(citizenId).then(
      (view) => live && setKnown({ id: citizenId, state: { status: 'ready', view } }),
      (error: unknown) => live && setKnown({ id: citizenId, state: { status: 'failed', error } }),
    );
    return () => {
      live = false;
    };
  }, [api, citizenId]);
  if (citizenId === null) {
    return { status: 'none' };
  }
  return known?.id === citizenId ? known.state : { status: 'loading' };
}

function TextField({
  id,
  label,
  value,
  onChange,
  type = 'text',
  autoComplete = 'off',
  hint,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'tel' | 'email';
  readonly autoComplete?: string;
  readonly hint?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete={autoComplete}
        spellCheck={false}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

export function NewRequest() {
  const { api, me } = useDesk();
  const i18n = useI18n();
  const { t, word } = i18n;
  const { search, navigate } = useNavigation();
  const [citizenId, setCitizenId] = useState<string | null>(() => search.get('citizen') || null);
  const known = useCitizen(citizenId);
  const { themes, failed, retry } = useThemes();
  const [form, setForm] = useState<ContactForm>(() => ({
    ...EMPTY_CONTACT,
    language: i18n.language,
    district: me.districts.length === 1 && me.districts[0] !== '*' ? (me.districts[0] ?? '') : '',
  }));
  const [key, setKey] = useState(newIdempotencyKey);
  const [prefilled, setPrefilled] = useState<string | null>(null);
  const action = useAction();

  if (known.status === 'ready' && prefilled !== known.view.citizen.citizen_id) {
    const citizen = known.view.citizen;
    setPrefilled(citizen.citizen_id);
    setForm((now) => ({
      ...now,
      language: citizen.languages[0] ?? now.language,
      district: citizen.district ?? now.district,
    }));
  }

  if (!worksRequests(me)) {
    return (
      <>
        <ScreenTitle>{t('intake.title')}</ScreenTitle>
        <p className="notice" role="status">
          {t('error.forbidden')}
        </p>
      </>
    );
  }

  const set = <K extends keyof ContactForm>(field: K, value: ContactForm[K]) =>
    setForm((now) => ({ ...now, [field]: value }));
  const theme = themes?.find((choice) => choice.code === form.theme) ?? null;
  const types = theme?.request_types ?? REQUEST_TYPES;
  const requestType = form.requestType && types.includes(form.requestType) ? form.requestType : (types[0] ?? '');
  const answers = theme?.response_channels ?? RESPONSE_CHANNELS;
  const responseChannel = form.responseChannel && answers.includes(form.responseChannel) ? form.responseChannel : '';
  const withCitizen = citizenId !== null && known.status !== 'failed';

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!form.theme || !form.description.trim()) {
      return;
    }
    const order = contactOrderOf({
      ...form,
      citizenId: withCitizen ? citizenId : null,
      requestType,
      responseChannel,
    });
    const logged: { reference: string | null } = { reference: null };
    void action
      .run(async () => {
        logged.reference = (await api.logContact(order, key)).reference;
      })
      .then((ok) => {
        if (ok && logged.reference) {
          setKey(newIdempotencyKey());
          navigate(paths.loggedRequest(logged.reference));
        }
      });
  };

  return (
    <div className="new-request">
      <p className="back">
        <Link to={citizenId ? paths.citizen(citizenId) : paths.worklist()}>
          {citizenId ? t('intake.backToCitizen') : t('detail.back')}
        </Link>
      </p>
      <ScreenTitle>{t('intake.title')}</ScreenTitle>
      <p className="hint">{t('intake.intro')}</p>
      <form className="intake" onSubmit={submit}>
        {action.error !== null && <ErrorNotice error={action.error} />}
        <fieldset className="card">
          <legend>{t('intake.how')}</legend>
          <div className="choices">
            {CONTACT_CHANNELS.map((channel: ContactChannel) => (
              <label key={channel} className="choice">
                <input
                  type="radio"
                  name="intake-channel"
                  value={channel}
                  checked={form.channel === channel}
                  onChange={() => set('channel', channel)}
                />
                {t(`intake.channel.${channel}`)}
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="card">
          <legend>{t('intake.citizen')}</legend>
          {withCitizen ? (
            <div className="intake-citizen">
              <p>
                {known.status === 'ready'
                  ? t('intake.forCitizen', { name: known.view.citizen.display_name ?? t('citizen.noName') })
                  : t('app.loading')}
              </p>
              <button type="button" className="button-secondary" onClick={() => setCitizenId(null)}>
                {t('intake.otherCitizen')}
              </button>
            </div>
          ) : (
            <>
              {known.status === 'failed' && <ErrorNotice error={known.error} />}
              <p className="hint">{t('intake.citizenHint')}</p>
              <div className="field-row">
                <TextField id="intake-given" label={t('intake.givenName')} value={form.givenName} onChange={(v) => set('givenName', v)} />
                <TextField id="intake-family" label={t('intake.familyNames')} value={form.familyNames} onChange={(v) => set('familyNames', v)} />
              </div>
              <div className="field-row">
                <TextField id="intake-phone" type="tel" label={t('intake.phone')} value={form.phone} onChange={(v) => set('phone', v)} hint={t('search.hint.phone')} />
                <TextField id="intake-email" type="email" label={t('intake.email')} value={form.email} onChange={(v) => set('email', v)} hint={t('search.hint.email')} />
                <TextField
                  id="intake-document"
                  label={t('intake.document')}
                  value={form.documentId}
                  onChange={(v) => set('documentId', v)}
                  hint={t(`intake.documentHint.${form.channel}`)}
                />
              </div>
            </>
          )}
          <div className="field field-narrow">
            <label htmlFor="intake-language">{t('intake.language')}</label>
            <select id="intake-language" value={form.language} onChange={(event) => set('language', event.target.value as Language)}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code} lang={code}>
                  {t(`lang.${code}`)}
                </option>
              ))}
            </select>
          </div>
        </fieldset>

        <fieldset className="card">
          <legend id="intake-request-title">{t('intake.request')}</legend>
          {failed ? (
            <FailedNotice message={t('themes.failed')} onRetry={retry} />
          ) : (
            <div className="field-row">
              <div className="field field-grow">
                <label htmlFor="intake-theme">{t('intake.theme')}</label>
                <select id="intake-theme" value={form.theme} onChange={(event) => set('theme', event.target.value)} required>
                  <option value="">{themes === null ? t('app.loading') : t('action.theme.choose')}</option>
                  {byArea(themes ?? []).map(([area, choices]) => (
                    <optgroup key={area} label={area}>
                      {choices.map((choice) => (
                        <option key={choice.code} value={choice.code}>
                          {themeLabel(choice)}
                        </option>
                      ))}
                    </optgroup>
                  ))}
                </select>
                {theme?.requires_identified_citizen && <span className="hint">{t('intake.needsIdentified')}</span>}
              </div>
              <div className="field">
                <label htmlFor="intake-type">{t('intake.type')}</label>
                <select id="intake-type" value={requestType} onChange={(event) => set('requestType', event.target.value as RequestType)}>
                  {types.map((code) => (
                    <option key={code} value={code}>
                      {word('requestType', code)}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          )}
          <div className="field">
            <label htmlFor="intake-description">{t('intake.description')}</label>
            <textarea
              id="intake-description"
              rows={5}
              lang={form.language || undefined}
              value={form.description}
              maxLength={DESCRIPTION_MAX_LENGTH}
              onChange={(event) => set('description', event.target.value)}
              aria-describedby="intake-description-count"
              required
            />
            <span id="intake-description-count" className="hint">
              {t('intake.characters', { count: i18n.number([...form.description].length), max: i18n.number(DESCRIPTION_MAX_LENGTH) })}
            </span>
          </div>
        </fieldset>

        <fieldset className="card">
          <legend>{t('intake.place')}</legend>
          <div className="field-row">
            <div className="field field-grow">
              <label htmlFor="intake-address">{t('intake.address')}</label>
              <input
                id="intake-address"
                value={form.address}
                onChange={(event) => set('address', event.target.value)}
                maxLength={200}
                autoComplete="off"
                aria-describedby={theme?.requires_location ? 'intake-address-hint' : undefined}
                required={theme?.requires_location === true}
              />
              {theme?.requires_location && (
                <span id="intake-address-hint" className="hint">
                  {t('intake.addressRequired')}
                </span>
              )}
            </div>
            <div className="field">
              <label htmlFor="intake-district">{t('intake.district')}</label>
              <select id="intake-district" value={form.district} onChange={(event) => set('district', event.target.value)}>
                <option value="">{t('district.none')}</option>
                <DistrictOptions />
              </select>
            </div>
          </div>
        </fieldset>

        <fieldset className="card">
          <legend>{t('intake.response')}</legend>
          <div className="field field-narrow">
            <label htmlFor="intake-response">{t('intake.responseChannel')}</label>
            <select
              id="intake-response"
              value={responseChannel}
              onChange={(event) => set('responseChannel', event.target.value as ResponseChannel | '')}
            >
              <option value="">{t('intake.responseDefault')}</option>
              {answers.map((code) => (
                <option key={code} value={code}>
                  {word('response', code)}
                </option>
              ))}
            </select>
          </div>
        </fieldset>

        <div className="form-buttons">
          <button type="submit" disabled={action.busy}>
            {action.busy ? t('action.working') : t('intake.submit')}
          </button>
          <Link to={citizenId ? paths.citizen(citizenId) : paths.worklist()}>{t('common.cancel')}</Link>
        </div>
      </form>
    </div>
  );
}
