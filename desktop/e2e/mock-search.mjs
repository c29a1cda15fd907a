// The mock's advanced search and export, with the desk API's contract: one of applicant,
// group or sla is needed (422 `search_too_broad` otherwise), results in the caller's
// scope with their points, a cursor per page, and a capped CSV/xlsx export that the
// mock records as the API does (`exports`), without personal data.

const DESK = '/api/desk/v1';
const FINAL = ['closed', 'cancelled', 'not_processed'];
const FIELDS = ['theme', 'state', 'received_from', 'received_to', 'sla', 'flag', 'district', 'neighbourhood', 'address', 'applicant', 'group', 'cursor', 'limit', 'lang', 'format'];
const COLUMNS = ['reference', 'theme', 'state', 'channel', 'district', 'neighbourhood', 'group', 'priority', 'received', 'due', 'closed', 'sla'];
const EXPORT_CAP = 5000;
const PAGE = 25;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The exports the mock answered, as the API's audit records hold them. */
export const exports = [];

function cityDay(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(new Date(iso));
}

function stateMatches(asked, state) {
  if (asked === 'any') {
    return true;
  }
  if (asked === 'final') {
    return FINAL.includes(state);
  }
  if (asked === 'open' || asked === null) {
    return !FINAL.includes(state);
  }
  return asked === state;
}

/**
 * The search and export routes; `undefined` for any other path.
 *
 * `tools` gives the mock server's own pieces: the city, its error and answer types, the
 * scope checks and the worklist row and SLA of a request.
 */
export function searchRoutes(method, path, query, member, tools) {
  if (method !== 'GET' || (path !== `${DESK}/requests/search` && path !== `${DESK}/requests/export`)) {
    return undefined;
  }
  const { city, HttpError, Answer, coversTree, worklistItem, slaOf, requireReader } = tools;
  requireReader(member);
  const invalid = (field, rule) => new HttpError(422, 'invalid_request', `${field} ${rule}`, [{ field, rule }]);
  const extra = [...query.keys()].find((name) => !FIELDS.includes(name));
  if (extra) {
    throw invalid(extra, 'extra_forbidden');
  }
  const get = (name) => query.get(name) || null;
  if (!get('applicant') && !get('group') && !get('sla')) {
    throw new HttpError(422, 'search_too_broad', 'a search needs one of the filters applicant, group or sla: each of them is read through an index');
  }
  const group = get('group');
  if (group && !coversTree(member, group)) {
    throw new HttpError(403, 'forbidden', 'this group is not one of yours');
  }
  const district = get('district');
  const whole = member.districts.includes('*');
  if (district && !whole && !member.districts.includes(district)) {
    throw new HttpError(403, 'forbidden', 'this is outside your districts');
  }
  const now = Date.now();
  const address = get('address')?.toLowerCase() ?? null;
  const found = city.requests
    .filter((request) => coversTree(member, request.group))
    .filter((request) => whole || request.district === null || member.districts.includes(request.district))
    .filter((request) => !group || request.group === group || request.group.startsWith(`${group}.`))
    .filter((request) => !get('applicant') || request.citizen_id === get('applicant'))
    .filter((request) => stateMatches(get('state'), request.state))
    .filter((request) => !get('sla') || (!FINAL.includes(request.state) && slaOf(request, now) === get('sla')))
    .filter((request) => !get('theme') || request.theme === get('theme'))
    .filter((request) => !district || request.district === district)
    .filter((request) => !get('neighbourhood') || request.neighbourhood === get('neighbourhood'))
    .filter((request) => !get('flag') || (request.flags ?? []).includes(get('flag')))
    .filter((request) => !address || (request.location?.address ?? '').toLowerCase().startsWith(address))
    .filter((request) => !get('received_from') || cityDay(request.received_at) >= get('received_from'))
    .filter((request) => !get('received_to') || cityDay(request.received_at) <= get('received_to'))
    .sort((a, b) => (a.due_at ?? '9999').localeCompare(b.due_at ?? '9999') || a.reference.localeCompare(b.reference));
  const accessPath = get('applicant') ? 'applicant' : group ? 'group' : 'due';
  if (path.endsWith('/search')) {
    const offset = Number(get('cursor') ? Buffer.from(get('cursor'), 'base64url').toString() : 0);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new HttpError(400, 'invalid_request', 'cursor is not a cursor this search handed out', [{ field: 'cursor', rule: 'is not a cursor this search handed out' }]);
    }
    const limit = Math.min(200, Math.max(1, Number(get('limit') ?? PAGE)));
    const page = found.slice(offset, offset + limit);
    const next = offset + limit < found.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    const items = page.map((request) => ({
      ...worklistItem(request, now),
      flags: request.flags ?? [],
      point: request.location?.lat == null ? null : { lat: request.location.lat, lon: request.location.lon },
      updated_at: request.received_at,
    }));
    return { items, next_cursor: next, access_path: accessPath };
  }
  if (found.length > EXPORT_CAP) {
    throw new HttpError(422, 'export_too_large', `more than ${EXPORT_CAP} requests match; narrow the search to export it`);
  }
  const format = get('format') ?? 'csv';
  if (!['csv', 'xlsx'].includes(format)) {
    throw invalid('format', 'is not csv or xlsx');
  }
  const rows = found.map((request) => [
    request.reference,
    request.theme,
    request.state,
    request.channel,
    request.district ?? '',
    request.neighbourhood ?? '',
    request.group,
    request.priority,
    request.received_at,
    request.due_at ?? '',
    FINAL.includes(request.state) ? request.received_at : '',
    slaOf(request, now),
  ]);
  const filters = Object.fromEntries([...query.entries()].filter(([name]) => !['cursor', 'limit', 'lang', 'format'].includes(name)));
  for (const personal of ['applicant', 'address']) {
    if (personal in filters) {
      filters[personal] = true;
    }
  }
  exports.push({ username: member.username, format, rows: rows.length, filters });
  const text = `\ufeff${[COLUMNS, ...rows].map((row) => row.join(',')).join('\r\n')}\r\n`;
  return new Answer(200, text, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : XLSX,
    'Content-Disposition': `attachment; filename="finestra-requests.${format}"`,
    'X-Export-Rows': String(rows.length),
  });
}
