/** The group a staff member last switched to, kept for the browser session only. */

const KEY = 'finestra.group.';

/** The group `userId` chose last in this session, if any. */
export function rememberedGroup(storage: Pick<Storage, 'getItem'>, userId: string): string | null {
  const value = storage.getItem(KEY + userId);
  return value === null || value === '' ? null : value;
}

/** Keep `group` as the choice of `userId` for the rest of the session. */
export function rememberGroup(storage: Pick<Storage, 'setItem'>, userId: string, group: string): void {
  storage.setItem(KEY + userId, group);
}

/** Indent a group's name by its depth below the staff member's own group. */
export function indented(name: string, depth: number): string {
  return '\u00a0\u00a0\u00a0'.repeat(Math.max(0, depth)) + name;
}
