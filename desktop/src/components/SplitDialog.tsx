/** Split one citizen message into linked requests, one per problem, each with its theme. */

import { useState } from 'react';

import type { SplitPart } from '../api/types';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { ErrorNotice } from './common';
import { ConfirmDialog } from './Dialog';
import { type RequestDialogProps, useKeyedSubmit } from './requestDialog';
import { byArea, themeLabel, useThemes } from './themes';

const MAX_PARTS = 5;

export function SplitDialog({ request, open, onClose, onDone }: RequestDialogProps) {
  const { api } = useDesk();
  const i18n = useI18n();
  const { t } = i18n;
  const { themes } = useThemes();
  const action = useKeyedSubmit('split', { onClose, onDone });
  const [parts, setParts] = useState<SplitPart[]>([{ theme: '', description: '' }]);
  const [incomplete, setIncomplete] = useState(false);
  const change = (index: number, update: Partial<SplitPart>) =>
    setParts((current) => current.map((part, at) => (at === index ? { ...part, ...update } : part)));
  const submit = () => {
    const ready = parts.map((part) => ({ theme: part.theme, description: part.description.trim() }));
    if (ready.some((part) => !part.theme || !part.description)) {
      setIncomplete(true);
      return;
    }
    setIncomplete(false);
    action.submit(
      (key) => api.split(request.reference, ready, key).then(() => i18n.count('split.done', ready.length)),
      () => setParts([{ theme: '', description: '' }]),
    );
  };
  return (
    <ConfirmDialog
      id="split-dialog"
      open={open}
      title={t('split.title')}
      confirm={t('split.submit')}
      busy={action.busy}
      onConfirm={submit}
      onCancel={onClose}
    >
      <p>{t('split.intro')}</p>
      {incomplete && <p className="notice notice-error">{t('split.incomplete')}</p>}
      {action.error !== null && <ErrorNotice error={action.error} />}
      {parts.map((part, index) => {
        const number = String(index + 1);
        return (
          <fieldset key={index} className="split-part">
            <legend>{t('split.part', { number })}</legend>
            <div className="field">
              <label htmlFor={`split-theme-${index}`}>{t('split.theme', { number })}</label>
              <select id={`split-theme-${index}`} value={part.theme} onChange={(event) => change(index, { theme: event.target.value })}>
                <option value="" />
                {byArea(themes ?? []).map(([area, choices]) => (
                  <optgroup key={area} label={area}>
                    {choices.map((theme) => (
                      <option key={theme.code} value={theme.code}>
                        {themeLabel(theme)}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`split-description-${index}`}>{t('split.description', { number })}</label>
              <textarea
                id={`split-description-${index}`}
                rows={2}
                value={part.description}
                onChange={(event) => change(index, { description: event.target.value })}
              />
            </div>
          </fieldset>
        );
      })}
      {parts.length < MAX_PARTS && (
        <button type="button" className="button-secondary" onClick={() => setParts((current) => [...current, { theme: '', description: '' }])}>
          {t('split.add')}
        </button>
      )}
    </ConfirmDialog>
  );
}
