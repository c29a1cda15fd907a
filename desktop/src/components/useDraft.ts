/** The caller's draft answer to a request: restored on open, saved when typing pauses. */

import { useCallback, useEffect, useRef, useState } from 'react';

import type { Language, ReplyDraft } from '../api/types';
import { useDesk } from '../desk';

export const DRAFT_DELAY_MS = 800;

export type DraftStatus = 'idle' | 'saving' | 'saved' | 'restored' | 'conflict';

export interface DraftState {
  readonly status: DraftStatus;
  readonly savedAt: string | null;
  /** Forget the draft once the answer is sent (the desk drops it on sending). */
  readonly sent: () => void;
}

interface Written {
  readonly text: string;
  readonly template: string | null;
  readonly language: Language;
}

export function useDraft(reference: string, written: Written, restore: (draft: ReplyDraft) => void): DraftState {
  const { api } = useDesk();
  const [status, setStatus] = useState<DraftStatus>('idle');
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const version = useRef(0);
  const lastSaved = useRef('');
  const restoreRef = useRef(restore);
  useEffect(() => {
    restoreRef.current = restore;
  });

  useEffect(() => {
    let live = true;
    api.draft(reference).then(
      (found) => {
        if (!live) {
          return;
        }
        if (found) {
          version.current = found.version;
          lastSaved.current = found.text;
          restoreRef.current(found);
          setSavedAt(found.saved_at);
          setStatus('restored');
        }
        setLoaded(true);
      },
      () => live && setLoaded(true),
    );
    return () => {
      live = false;
    };
  }, [api, reference]);

  const { text, template, language } = written;
  useEffect(() => {
    if (!loaded || text.trim() === '' || text === lastSaved.current) {
      return undefined;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      setStatus('saving');
      api.saveDraft(reference, { text, template, language, version: version.current }).then(
        (saved) => {
          version.current = saved.version;
          lastSaved.current = saved.text;
          if (live) {
            setSavedAt(saved.saved_at);
            setStatus('saved');
          }
        },
        () => live && setStatus('conflict'),
      );
    }, DRAFT_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, reference, loaded, text, template, language]);

  const sent = useCallback(() => {
    version.current = 0;
    lastSaved.current = '';
    setSavedAt(null);
    setStatus('idle');
  }, []);

  return { status, savedAt, sent };
}
