/** The theme catalogue, as the citizen API lists it, for every screen that picks a theme. */

import { useCallback, useEffect, useState } from 'react';

import type { ThemeChoice } from '../api/types';
import { useDesk } from '../desk';
import { useI18n } from '../i18n/context';

export interface Themes {
  /** The themes in the user's language; `null` while loading or after a failure. */
  readonly themes: readonly ThemeChoice[] | null;
  readonly failed: boolean;
  readonly retry: () => void;
}

/** The themes in the user's language, loaded again when the language changes. */
export function useThemes(): Themes {
  const { api } = useDesk();
  const { language } = useI18n();
  const [state, setState] = useState<{ themes: readonly ThemeChoice[] | null; failed: boolean }>({
    themes: null,
    failed: false,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    api.themes(language).then(
      (found) => live && setState({ themes: found, failed: false }),
      () => live && setState({ themes: null, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [api, language, round]);
  const retry = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, retry };
}

/** How a theme reads in a list: its element and its detail. */
export function themeLabel(theme: ThemeChoice): string {
  return `${theme.element} · ${theme.detail}`;
}

/** The themes grouped by area, areas and themes in the catalogue's order. */
export function byArea(themes: readonly ThemeChoice[]): ReadonlyArray<readonly [string, readonly ThemeChoice[]]> {
  const areas = new Map<string, ThemeChoice[]>();
  for (const theme of themes) {
    const list = areas.get(theme.area) ?? [];
    list.push(theme);
    areas.set(theme.area, list);
  }
  return [...areas.entries()];
}
