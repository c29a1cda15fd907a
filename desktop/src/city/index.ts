/** The city's districts and responsible groups, read from the project's configuration at build time. */

import districtsCsv from '../../../infra/config/districts.csv?raw';
import groupsJson from '../../../infra/config/groups.json';
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
