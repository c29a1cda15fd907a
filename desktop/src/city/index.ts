/** The city's districts and responsible groups, read from the project's configuration at build time. */

import districtsCsv from '../../../infra/config/districts.csv?raw';
import groupsJson from '../../../infra/config/groups.json';
import neighbourhoodsCsv from '../../../infra/config/neighbourhoods.csv?raw';
import type { Language } from '../api/types';

export interface District {
  readonly code: string;
  readonly name: string;
}

interface GroupEntry {
  readonly code: string;
  readonly names: Readonly<Record<Language, string>>;
}

/** Parse the `district_code,district,…` CSV; district names have no commas. */
export function parseDistricts(csv: string): readonly District[] {
  const [, ...rows] = csv.trim().split(/\r?\n/);
  return rows.map((row) => {
    const [code = '', name = ''] = row.split(',');
    return { code: code.trim(), name: name.trim() };
  });
}

export const DISTRICTS: readonly District[] = parseDistricts(districtsCsv);

export interface Neighbourhood {
  readonly code: string;
  readonly name: string;
  readonly district: string;
}

/** The fields of one CSV row; a field in double quotes may hold commas (`""` is a quote). */
function csvFields(row: string): string[] {
  return [...row.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((match) =>
    match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? ''),
  );
}

/** Parse the `neighbourhood_code,neighbourhood,district_code` CSV. */
export function parseNeighbourhoods(csv: string): readonly Neighbourhood[] {
  const [, ...rows] = csv.trim().split(/\r?\n/);
  return rows.map((row) => {
    const [code = '', name = '', district = ''] = csvFields(row);
    return { code: code.trim(), name: name.trim(), district: district.trim() };
  });
}

export const NEIGHBOURHOODS: readonly Neighbourhood[] = parseNeighbourhoods(neighbourhoodsCsv);

/** A neighbourhood's name from its code, or the code itself when unknown. */
export function neighbourhoodName(code: string | null): string | null {
  if (code === null || code === '') {
    return null;
  }
  return NEIGHBOURHOODS.find((item) => item.code === code)?.name ?? code;
}

const GROUPS: ReadonlyMap<string, GroupEntry> = new Map(
  (groupsJson.groups as readonly GroupEntry[]).map((group) => [group.code, group]),
);

/** A district's name from its code, or the code itself when unknown. */
export function districtName(code: string | null): string | null {
  if (code === null || code === '') {
    return null;
  }
  return DISTRICTS.find((district) => district.code === code)?.name ?? code;
}

/** A responsible group's name in `language`, or its code when unknown. */
export function groupName(code: string, language: Language): string {
  return GROUPS.get(code)?.names[language] ?? code;
}
