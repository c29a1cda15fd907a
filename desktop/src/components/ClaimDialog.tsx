/** Log a citizen's claim against a closed or cancelled request, as a new linked request. */

import { useState } from 'react';

import type { RequestRecord } from '../api/types';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';
import { useAction } from './action';
import { ErrorNotice } from './common';
import { ConfirmDialog } from './Dialog';

function newKey(): string {
  return `claim-${crypto.randomUUID()}`;
}

export function ClaimDialog({
  request,
  open,
  onClose,
  onDone,
}: {
  readonly request: RequestRecord;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly onDone: (announcement: string) => void;
}) {
  const { api } = useDesk();
  const { t } = useI18n();
  const action = useAction();
  const [text, setText] = useState('');
  const [key, setKey] = useState(newKey);
  const submit = () => {
    if (!text.trim()) {
      return;
    }
    let opened = '';
    void action
      .run(() =>
        api.claim(request.reference, text.trim(), key).then((receipt) => {
          opened = receipt.reference;
        }),
      )
      .then((ok) => {
        if (ok) {
          setText('');
          setKey(newKey());
          onClose();
          onDone(t('claim.done', { reference: opened }));
        }
      });
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
