/** Loading data for a screen: one state, one retry, no answer applied after the screen moved on. */

import { type DependencyList, useCallback, useEffect, useState } from 'react';

export type Loaded<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly data: T }
  | { readonly status: 'failed'; readonly error: unknown };

export interface Loader<T> {
  readonly state: Loaded<T>;
  /** Load again; the old data stays on screen until the new answer arrives. */
  readonly reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loader<T> {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ status: 'ready', data }),
      (error: unknown) => live && setState({ status: 'failed', error }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what the load depends on
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { state, reload };
}
