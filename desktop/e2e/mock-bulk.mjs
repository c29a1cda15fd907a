// The mock's worklist views, alarms and bulk work, with the desk API's contract:
// `view=` and `alarm=` on the worklist with every view's count, bulk validate and
// reassign (each request reported on its own), and clearing a request's alarm.

import { readFile } from 'node:fs/promises';

const CONFIG = new URL('../../infra/config/', import.meta.url);
const GROUPS = new Set(JSON.parse(await readFile(new URL('groups.json', CONFIG), 'utf8')).groups.map((group) => group.code));
const DESK = '/api/desk/v1';
const MAX_BULK = 50;

/** A group of the catalogue, or a district branch of one. */
const knownGroup = (code) => GROUPS.has(code) || GROUPS.has(code.split('.')[0]);

export const ALARMS = [
  'citizen_replied',
  'claimed',
  'reassigned_back',
  'sla_near',
  'sla_breached',
  'answer_pending',
  'external_body_answered',
  'low_confidence',
  'possible_duplicate',
  'possible_duplicate_citizen',
  'acknowledgement_failed',
  'workflow_failed',
];
const STANDING = ['sla_near', 'sla_breached', 'workflow_failed'];
const VIEWS = ['open', 'pending_validation', 'mine', 'about_to_breach', 'breached', 'urgent'];
const NOT_VALIDATIONS = ['pending_validation', 'cancelled', 'not_processed'];

/** The alarms among a request's flags, in the vocabulary's order. */
export function alarmsOf(flags) {
  const raised = new Set(flags ?? []);
  return ALARMS.filter((alarm) => raised.has(alarm));
}

/** Whether `request`, standing `sla` against its SLA, is in `view` for `member`. */
function inOneView(request, view, member, sla) {
  switch (view) {
    case 'pending_validation':
      return request.state === 'pending_validation';
    case 'mine':
      return request.agent === member.user_id;
    case 'about_to_breach':
      return sla === 'at_risk';
    case 'breached':
      return sla === 'breached';
    case 'urgent':
      return request.priority === 'urgent';
    default:
      return true;
  }
}

/**
 * Whether `request` passes the query's view and alarm; an unknown view or alarm is the
 * API's 422, thrown through `fail(field)`.
 */
export function inView(request, query, member, sla, fail) {
  const view = query.get('view') || 'open';
  const alarm = query.get('alarm');
  if (!VIEWS.includes(view)) {
    throw fail('view');
  }
  if (alarm && !ALARMS.includes(alarm)) {
    throw fail('alarm');
  }
  return inOneView(request, view, member, sla) && (!alarm || (request.flags ?? []).includes(alarm));
}

/** Every view's count, and each alarm's, over the group's open requests. */
export function viewCounts(requests, member, slaOf) {
  const counts = Object.fromEntries(VIEWS.map((view) => [view, 0]));
  const alarms = {};
  for (const request of requests) {
    const sla = slaOf(request);
    for (const view of VIEWS) {
      counts[view] += inOneView(request, view, member, sla) ? 1 : 0;
    }
    for (const alarm of alarmsOf(request.flags)) {
      alarms[alarm] = (alarms[alarm] ?? 0) + 1;
    }
  }
  return { ...counts, alarms };
}

/**
 * Answer the bulk and alarm routes; undefined for any other.
 *
 * `tools` are the mock's own checks: `readable` and `actionable` (scope), `unlocked`
 * (another's lock), `note` (a timeline entry), `summary` (an action's answer),
 * `transitions` (each state's next states), `mayReassign`, `requireActing` and `HttpError`.
 */
export function bulkRoutes(method, path, body, member, tools) {
  if (method !== 'POST') {
    return undefined;
  }
  const { HttpError } = tools;
  const invalid = (field, rule) => new HttpError(422, 'invalid_request', `${field} ${rule}`, [{ field, rule }]);
  const each = (references, act) => {
    const items = references.map((reference) => {
      try {
        return { reference, ok: true, request: act(reference), error: null };
      } catch (error) {
        if (!(error instanceof HttpError)) {
          throw error;
        }
        const field = error.errors?.[0]?.field ?? null;
        return { reference, ok: false, request: null, error: { code: error.code, message: error.message, field } };
      }
    });
    const done = items.filter((item) => item.ok).length;
    return { done, failed: items.length - done, items };
  };
  const listed = () => {
    const references = body.references;
    if (!Array.isArray(references) || references.length === 0 || references.length > MAX_BULK) {
      throw invalid('references', references?.length > MAX_BULK ? 'too_long' : 'too_short');
    }
    const twice = [...new Set(references.filter((ref, index) => references.indexOf(ref) !== index))].sort();
    if (twice.length > 0) {
      throw invalid('references', `names ${twice.join(', ')} more than once`);
    }
    return references;
  };

  if (path === `${DESK}/requests/bulk/validate`) {
    tools.requireActing(member);
    const references = listed();
    if (body.to && NOT_VALIDATIONS.includes(body.to)) {
      throw invalid('to', 'is not a validation; cancel or refuse requests one at a time');
    }
    return each(references, (reference) => {
      const request = tools.readable(member, reference);
      if (request.state !== 'pending_validation') {
        throw new HttpError(409, 'conflict', `state is ${request.state}; only a request pending validation is validated`, [{ field: 'state', rule: 'not pending' }]);
      }
      const target = body.to ?? tools.transitions.pending_validation[0];
      if (!tools.transitions.pending_validation.includes(target)) {
        throw new HttpError(409, 'transition_refused', `cannot move from pending_validation to ${target}`);
      }
      tools.unlocked(member, request);
      tools.note(request, { kind: 'state_change', actor: `staff:${member.user_id}`, actor_name: member.username, from_state: request.state, to_state: target });
      request.state = target;
      return tools.summary(request);
    });
  }
  if (path === `${DESK}/requests/bulk/reassign`) {
    tools.requireActing(member);
    const references = listed();
    if (typeof body.reason !== 'string' || body.reason.trim() === '') {
      throw invalid('reason', 'missing');
    }
    if (typeof body.group !== 'string' || !knownGroup(body.group)) {
      throw invalid('group', 'is not a responsible group');
    }
    return each(references, (reference) => {
      const request = tools.actionable(member, reference);
      if (!tools.mayReassign(member, request.group, body.group)) {
        throw new HttpError(403, 'forbidden', `${body.group} is not a reassignment target of ${request.group}; only supervisors give requests elsewhere`);
      }
      tools.unlocked(member, request);
      const before = request.group;
      const back = before !== body.group && (request.former_groups ?? []).includes(body.group);
      request.former_groups = [...new Set([...(request.former_groups ?? []), before])];
      request.group = body.group;
      request.agent = body.agent ?? null;
      if (back) {
        request.flags = [...new Set([...(request.flags ?? []), 'reassigned_back'])];
      }
      tools.note(request, { kind: 'assignment', actor: `staff:${member.user_id}`, actor_name: member.username, text: `group ${before} → group ${body.group}`, reason: body.reason.trim() });
      return tools.summary(request);
    });
  }
  const found = /^\/api\/desk\/v1\/requests\/([^/]+)\/alarms\/([^/]+)\/clear$/.exec(path);
  if (!found) {
    return undefined;
  }
  tools.requireActing(member);
  const alarm = decodeURIComponent(found[2]);
  if (!ALARMS.includes(alarm)) {
    throw new HttpError(404, 'not_found', 'alarm no alarm has this name');
  }
  const request = tools.readable(member, decodeURIComponent(found[1]));
  if (STANDING.includes(alarm)) {
    throw invalid('alarm', 'stands while its cause does; staff cannot clear it');
  }
  if (!(request.flags ?? []).includes(alarm)) {
    throw new HttpError(409, 'alarm_not_raised', 'alarm is not raised on this request', [{ field: 'alarm', rule: 'is not raised on this request' }]);
  }
  if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length === 0 || body.note.length > 500)) {
    throw invalid('note', 'string_too_long');
  }
  tools.unlocked(member, request);
  request.flags = request.flags.filter((flag) => flag !== alarm);
  const entry = { kind: 'note', channel: 'internal', actor: `staff:${member.user_id}`, actor_name: member.username, text: `alarm ${alarm} cleared`, reason: body.note ?? null };
  tools.note(request, entry);
  request.version = (request.version ?? 1) + 1;
  return { reference: request.reference, alarm, alarms: alarmsOf(request.flags), interaction_id: `int_${Date.now()}`, at: new Date().toISOString(), version: request.version };
}
