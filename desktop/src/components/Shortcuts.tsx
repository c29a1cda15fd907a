/** The worklist's keyboard shortcuts, in a modal dialog the browser keeps focus inside. */

import { useEffect, useRef } from 'react';

import { useI18n } from '../i18n/context';
import type { MessageKey } from '../i18n/messages';

const KEYS: ReadonlyArray<readonly [readonly string[], MessageKey]> = [
  [['j', '↓'], 'shortcuts.next'],
  [['k', '↑'], 'shortcuts.previous'],
  [['Enter'], 'shortcuts.enter'],
  [['/'], 'shortcuts.search'],
  [['?'], 'shortcuts.help'],
];

export function Shortcuts({ open, onClose }: { readonly open: boolean; readonly onClose: () => void }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element === null) {
      return;
    }
    if (open && !element.open) {
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">{t('shortcuts.title')}</h2>
      <dl className="shortcuts">
        {KEYS.map(([keys, description]) => (
          <div key={description} className="fact">
            <dt>
              {keys.map((key, index) => (
                <span key={key}>
                  {index > 0 && ` ${t('shortcuts.or')} `}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{t(description)}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit">
          {t('shortcuts.close')}
        </button>
      </form>
    </dialog>
  );
}
