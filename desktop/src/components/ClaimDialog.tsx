/** Log a citizen's claim against a closed or cancelled request, as a new linked request. */

import { useState } from 'react';

import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { ErrorNotice } from './common';
import { ConfirmDialog } from './Dialog';
import { type RequestDialogProps, useKeyedSubmit } from './requestDialog';

export function ClaimDialog({ request, open, onClose, onDone }: RequestDialogProps) {
  const { api } = useDesk();
  const { t } = useI18n();
  const action = useKeyedSubmit('claim', { onClose, onDone });
  const [text, setText] = useState('');
  const submit = () => {
    if (!text.trim()) {
      return;
    }
    action.submit(
      (key) => api.claim(request.reference, text.trim(), key).then((receipt) => t('claim.done', { reference: receipt.reference })),
      () => setText(''),
    );
  };
  return (
    <ConfirmDialog
      id="claim-dialog"
      open={open}
      title={t('claim.title')}
      confirm={t('claim.submit')}
      busy={action.busy}
      onConfirm={submit}
      onCancel={onClose}
    >
      <p>{t('claim.intro')}</p>
      {action.error !== null && <ErrorNotice error={action.error} explain={{ conflict: 'claim.refused' }} />}
      <div className="field">
        <label htmlFor="claim-text">{t('claim.text')}</label>
        <textarea id="claim-text" rows={3} value={text} onChange={(event) => setText(event.target.value)} required />
      </div>
    </ConfirmDialog>
  );
}
