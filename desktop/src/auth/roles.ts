/**
 * What the signed-in staff member's roles allow, as the desk API decides it: the desktop
 * hides what a role may not do, and the API checks again on every call.
 */

import type { Me, Role, StaffGroup } from '../api/types';

type Holder = Pick<Me, 'roles'>;

/** Whether `me` holds any of `roles`; administrators hold every role. */
export function hasRole(me: Holder, ...roles: readonly Role[]): boolean {
  return me.roles.includes('administrator') || roles.some((role) => me.roles.includes(role));
}

/** Agents and supervisors work requests: reply, change, attach files, log calls and visits. */
export function worksRequests(me: Holder): boolean {
  return hasRole(me, 'agent', 'supervisor');
}

/** Agents and supervisors merge the citizens of their districts (and undo it). */
export function mergesCitizens(me: Holder): boolean {
  return hasRole(me, 'agent', 'supervisor');
}

/** Campaign managers (and administrators) keep segments, campaigns and surveys. */
export function runsCampaigns(me: Holder): boolean {
  return hasRole(me, 'campaign_manager');
}

/** Campaign managers and supervisors read the insights (administrators too). */
export function readsInsights(me: Holder): boolean {
  return hasRole(me, 'campaign_manager', 'supervisor');
}

/** Only administrators read the access log, export a citizen's data or erase it. */
export function isAdministrator(me: Holder): boolean {
  return me.roles.includes('administrator');
}

/** The group tree as `/me/groups` gives it: each of the user's groups and those it acts for. */
export type ActedFor = readonly Pick<StaffGroup, 'acts_for'>[];

/**
 * Whether a request owned by `group` is in the user's groups: a group acts for itself and
 * every group below it in the city's tree (`tree`, from `/me/groups`; without it only the
 * token's groups count), a group's branches (`<group>.d<district>`) belong to it, and
 * supervisors and administrators see every group.
 */
export function coversGroup(me: Pick<Me, 'roles' | 'groups'>, group: string, tree: ActedFor = []): boolean {
  if (hasRole(me, 'supervisor')) {
    return true;
  }
  const [base = group] = group.split('.', 1);
  const codes = new Set([...me.groups, ...tree.flatMap((entry) => entry.acts_for.map((below) => below.code))]);
  return codes.has(base) || codes.has(group);
}
