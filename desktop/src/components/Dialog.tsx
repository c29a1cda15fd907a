/** A modal confirmation: the browser keeps focus inside, Escape cancels, focus goes back after. */

import { type ReactNode, type SyntheticEvent, useEffect, useRef } from 'react';

import { useI18n } from '../i18n/context';

export function ConfirmDialog({
  id,
  open,
  title,
  confirm,
  busy,
  danger = false,
  onConfirm,
  onCancel,
  children,
}: {
  readonly id: string;
  readonly open: boolean;
  readonly title: string;
  readonly confirm: string;
  readonly busy: boolean;
  readonly danger?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly children: ReactNode;
}) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element === null) {
      return;
    }
    if (open && !element.open) {
      opener.current = document.activeElement;
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);
  const closed = () => {
    onCancel();
    if (opener.current instanceof HTMLElement && opener.current.isConnected) {
      opener.current.focus();
    }
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onConfirm();
  };
  return (
    <dialog ref={dialog} id={id} className="dialog dialog-wide" aria-labelledby={`${id}-title`} onClose={closed}>
      <form onSubmit={submit}>
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        <div className="dialog-buttons">
          <button type="button" className="button-secondary" onClick={() => dialog.current?.close()}>
            {t('common.cancel')}
          </button>
          <button type="submit" className={danger ? 'button-danger' : undefined} disabled={busy}>
            {busy ? t('action.working') : confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
