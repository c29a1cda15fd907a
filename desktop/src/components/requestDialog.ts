/** What the dialogs that act on one request share: their props and a keyed, one-shot submit. */

import { useState } from 'react';

import type { RequestRecord } from '../api/types';
import { useAction } from './action';

export interface RequestDialogProps {
  readonly request: RequestRecord;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly onDone: (announcement: string) => void;
}

export interface KeyedSubmit {
  readonly busy: boolean;
  readonly error: unknown;
  /**
   * Runs `work` with the dialog's idempotency key; once it succeeds, `reset` clears the form,
   * a fresh key is drawn, the dialog closes and the announcement `work` resolved to is made.
   */
  readonly submit: (work: (key: string) => Promise<string>, reset: () => void) => void;
}

function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

export function useKeyedSubmit(prefix: string, { onClose, onDone }: Pick<RequestDialogProps, 'onClose' | 'onDone'>): KeyedSubmit {
  const action = useAction();
  const [key, setKey] = useState(() => newKey(prefix));
  const submit = (work: (key: string) => Promise<string>, reset: () => void) => {
    let announcement = '';
    void action
      .run(() =>
        work(key).then((text) => {
          announcement = text;
        }),
      )
      .then((ok) => {
        if (ok) {
          reset();
          setKey(newKey(prefix));
          onClose();
          onDone(announcement);
        }
      });
  };
  return { busy: action.busy, error: action.error, submit };
}
