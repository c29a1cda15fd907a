/** The segment editor's theme choice: the catalogue's themes grouped by area, narrowed by typed words. */

import { areas as CATALOGUE_AREAS } from '../../../infra/config/themes.json';
import type { Language, ThemeChoice } from '../api/types';
import { byArea, themeLabel } from '../components/themes';

/** One service area as the picker shows it; `code` is `null` when the area's code is not known here. */
export interface PickArea {
  readonly name: string;
  readonly code: string | null;
  readonly themes: readonly ThemeChoice[];
}

/** A chosen code and how it reads; `known` is false for a code the catalogue no longer has. */
export interface ChosenTheme {
  readonly code: string;
  readonly label: string;
  readonly known: boolean;
}

interface AreaEntry {
  readonly code: string;
  readonly names: Readonly<Record<Language, string>>;
}

/** The area's code from its name in `language`, read from the catalogue the city deploys. */
export function areaCodeOf(name: string, language: Language, areas: readonly AreaEntry[] = CATALOGUE_AREAS): string | null {
  return areas.find((area) => area.names[language] === name)?.code ?? null;
}

/** The themes grouped by area in the catalogue's order, each area with its code when known. */
export function pickAreas(themes: readonly ThemeChoice[], language: Language): readonly PickArea[] {
  return byArea(themes).map(([name, list]) => ({ name, code: areaCodeOf(name, language), themes: list }));
}

/** Text folded for matching: lower case, without accents. */
export function folded(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The areas and themes whose names hold every typed word; an area matched by name keeps all its themes. */
export function narrowed(areas: readonly PickArea[], filter: string): readonly PickArea[] {
  const wanted = folded(filter).split(/\s+/).filter(Boolean);
  if (wanted.length === 0) {
    return areas;
  }
  const holds = (text: string) => wanted.every((word) => text.includes(word));
  return areas
    .map((area) => {
      const areaName = folded(area.name);
      if (holds(areaName)) {
        return area;
      }
      const themes = area.themes.filter((theme) => holds(`${areaName} ${folded(themeLabel(theme))}`));
      return { ...area, themes };
    })
    .filter((area) => area.themes.length > 0);
}

/** Each chosen code as it reads: an area by its name, a theme by its label, any other code as itself. */
export function chosenThemes(chosen: readonly string[], areas: readonly PickArea[]): readonly ChosenTheme[] {
  return chosen.map((code) => {
    const area = areas.find((item) => item.code === code);
    if (area) {
      return { code, label: area.name, known: true };
    }
    const theme = areas.flatMap((item) => item.themes).find((item) => item.code === code);
    return theme ? { code, label: themeLabel(theme), known: true } : { code, label: code, known: false };
  });
}

/** `chosen` with the whole of `area` chosen or not; choosing it replaces the area's single themes. */
export function withWholeArea(chosen: readonly string[], area: PickArea, on: boolean): string[] {
  if (area.code === null) {
    return [...chosen];
  }
  const own = new Set([area.code, ...area.themes.map((theme) => theme.code)]);
  const rest = chosen.filter((code) => (on ? !own.has(code) : code !== area.code));
  return on ? [...rest, area.code] : rest;
}
