// The group tree of the mock desk API, as the catalogue builds it from infra/config/groups.json:
// a group acts for itself and every group below it; a branch (`<group>.d<district>`) sits
// under its group; reassignment targets are each group's `reassign_to`, after its branches.

import { readFile } from 'node:fs/promises';

const CONFIG = new URL('../../infra/config/', import.meta.url);
const GROUPS = JSON.parse(await readFile(new URL('groups.json', CONFIG), 'utf8')).groups;
const BY_CODE = new Map(GROUPS.map((group) => [group.code, group]));
const DESK = '/api/desk/v1';
const LANGUAGES = ['ca', 'es', 'en'];

const isBranch = (code) => !BY_CODE.has(code) && BY_CODE.has(code.split('.')[0]);
const known = (code) => BY_CODE.has(code) || isBranch(code);
const parentOf = (code) => (isBranch(code) ? code.split('.')[0] : (BY_CODE.get(code)?.parent ?? null));
const nameOf = (code, lang) =>
  isBranch(code) ? `${BY_CODE.get(code.split('.')[0]).names[lang]} \u2013 ${code.split('.')[1]}` : BY_CODE.get(code).names[lang];
const entry = (code, lang, depth) => ({ code, name: nameOf(code, lang), parent: parentOf(code), depth });
const supervises = (member) => member.roles.includes('supervisor') || member.roles.includes('administrator');

/** The group and every group above it, the city root last. */
export function lineage(code) {
  const line = [code];
  for (let parent = parentOf(code); parent !== null; parent = parentOf(parent)) {
    line.push(parent);
  }
  return line;
}

/** Whether a request of `group` is the member's: their group or one below it (supervisors: all). */
export function coversTree(member, group) {
  if (group === null || group === undefined || supervises(member)) {
    return true;
  }
  return known(group) ? lineage(group).some((code) => member.groups.includes(code)) : member.groups.includes(group);
}

/** The groups a request of `group` may be handed to: its group (for a branch), then the configured ones. */
export function targetsOf(group) {
  const base = isBranch(group) ? group.split('.')[0] : group;
  const found = isBranch(group) ? [base] : [];
  found.push(...(BY_CODE.get(base)?.reassign_to ?? []));
  return [...new Set(found)].filter((code) => code !== group);
}

/** Whether the member may hand a request of `from` to `to` (configured, under their groups, or a supervisor). */
export function mayReassign(member, from, to) {
  return supervises(member) || targetsOf(from).includes(to) || lineage(to).some((code) => member.groups.includes(code));
}

function below(code) {
  const found = [];
  const walk = (parent, depth) => {
    for (const group of GROUPS.filter((item) => item.parent === parent)) {
      found.push([group.code, depth]);
      walk(group.code, depth + 1);
    }
  };
  walk(code, 1);
  return found;
}

/**
 * Answer `GET /me/groups` and `GET /groups/{group}/targets`; undefined for any other route.
 * `fail(status, code, message, field)` builds the error to throw.
 */
export function groupRoutes(method, path, query, member, fail) {
  if (method !== 'GET') {
    return undefined;
  }
  const lang = LANGUAGES.includes(query.get('lang')) ? query.get('lang') : 'ca';
  if (path === `${DESK}/me/groups`) {
    const items = [...member.groups]
      .filter(known)
      .sort()
      .map((code) => ({
        code,
        name: nameOf(code, lang),
        acts_for: [entry(code, lang, 0), ...below(code).map(([child, depth]) => entry(child, lang, depth))],
      }));
    return { items };
  }
  const found = /^\/api\/desk\/v1\/groups\/([^/]+)\/targets$/.exec(path);
  if (!found) {
    return undefined;
  }
  const group = decodeURIComponent(found[1]);
  if (!known(group)) {
    throw fail(422, 'invalid_request', 'is not a responsible group', 'group');
  }
  if (!coversTree(member, group)) {
    throw fail(403, 'forbidden', `the group ${group} is outside your groups and the groups below them`);
  }
  return { group, name: nameOf(group, lang), items: targetsOf(group).map((code) => entry(code, lang, 0)) };
}
