/**
 * The desk API's links between requests, as the mock plays them: join, unjoin, answer the
 * joined, split, claim, and a move that a principal's joined requests follow (or that
 * cancels a request as a duplicate). Same routes, bodies, answers and refusals as
 * `finestra.apps.desk_links`; every message the city sends lands in `outbox`.
 */

import { TEMPLATES } from './fixtures.mjs';

const FINAL = ['closed', 'cancelled', 'not_processed'];
const CLAIMABLE = ['closed', 'cancelled'];
const RADIUS_M = 50;
const WINDOW_DAYS = 30;
const CLAIM_DAYS = 60;
const MAX_PARTS = 5;
const DAY = 86_400_000;
const REFERENCE = /^[A-Z]{2,5}-\d{4}-\d{6}(-R\d+)?$/;

const RESOLVED = {
  ca: 'Bon dia. La sol·licitud {reference} ja està resolta. Gràcies per ajudar-nos a millorar la ciutat.',
  es: 'Buenos días. La solicitud {reference} ya está resuelta. Gracias por ayudarnos a mejorar la ciudad.',
  en: 'Hello. Request {reference} has been resolved. Thank you for helping us improve the city.',
};
const DUPLICATE = {
  ca: 'Bon dia. La sol·licitud {reference} tracta el mateix que la {survivor}; el cas continua en aquesta.',
  es: 'Buenos días. La solicitud {reference} trata lo mismo que la {survivor}; el caso sigue en esta.',
  en: 'Hello. Request {reference} is about the same as {survivor}; the case goes on there.',
};

function metres(a, b) {
  const rad = (value) => (value * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

/**
 * The link routes over the mock's city.
 *
 * `tools` are the mock server's own helpers: `requestOf`, `actionable`, `unlocked`,
 * `note`, `detail`, `contactOf` (the citizen's address on a channel, or null) and
 * `error(status, code, message, field)`.
 */
export function createLinks(city, tools) {
  const outbox = [];
  const keys = new Map();
  const { requestOf, actionable, unlocked, note, detail, contactOf, error } = tools;
  const conflict = (message, field) => error(409, 'conflict', message, field);

  const linked = (reference) => {
    if (!reference) {
      return null;
    }
    const found = city.requests.find((request) => request.reference === reference);
    return { reference, state: found?.state ?? null };
  };
  const view = (request) => ({
    reference: request.reference,
    joined_to: linked(request.joined_to),
    joined: (request.joined ?? []).map(linked),
    split_from: linked(request.split_from),
    parts: (request.parts ?? []).map(linked),
    claim_of: linked(request.claim_of),
    claims: (request.claims ?? []).map(linked),
    duplicate_of: linked(request.duplicate_of),
  });

  const send = (member, request, text) => {
    const to = contactOf(request);
    if (!['sms', 'email'].includes(request.response_channel) || !to) {
      note(request, { kind: 'note', actor: 'system', text: 'answer not sent (conflict)' });
      request.alarms = [...new Set([...(request.alarms ?? []), 'answer_pending'])];
      return { reference: request.reference, sent: false, channel: null, interaction_id: null, failure: 'conflict' };
    }
    const filled = text.replaceAll('{reference}', request.reference);
    outbox.push({ reference: request.reference, channel: request.response_channel, language: request.language, to, text: filled });
    note(request, { kind: 'outbound', channel: request.response_channel, actor: member.username, text: filled });
    return { reference: request.reference, sent: true, channel: request.response_channel, interaction_id: `int_${outbox.length}`, failure: null };
  };

  const move = (member, request, body) => {
    if (request.joined_to) {
      throw conflict(`is joined to ${request.joined_to} and follows it; unjoin it first`, 'joined_to');
    }
    if (body.duplicate_of !== undefined && body.duplicate_of !== null) {
      if (body.to !== 'cancelled') {
        throw error(422, 'invalid_request', 'is given only when cancelling', 'duplicate_of');
      }
      if (body.duplicate_of === request.reference) {
        throw error(422, 'invalid_request', 'cannot be the request itself', 'duplicate_of');
      }
      if (!city.requests.some((other) => other.reference === body.duplicate_of)) {
        throw error(422, 'invalid_request', 'names no request', 'duplicate_of');
      }
      actionable(member, body.duplicate_of);
    }
    const from = request.state;
    note(request, { kind: 'state_change', actor: member.username, reason: body.reason ?? null, from_state: from, to_state: body.to });
    request.state = body.to;
    if (body.duplicate_of) {
      request.duplicate_of = body.duplicate_of;
      send(member, request, DUPLICATE[request.language].replace('{survivor}', body.duplicate_of));
    }
    const followers = (request.joined ?? []).map(requestOf).filter((other) => other.joined_to === request.reference);
    for (const other of followers.filter((item) => item.state !== request.state)) {
      note(other, { kind: 'state_change', actor: member.username, reason: `follows ${request.reference}`, from_state: other.state, to_state: request.state });
      other.state = request.state;
    }
    if (request.state === 'closed' && followers.length > 0) {
      for (const each of [request, ...followers]) {
        send(member, each, RESOLVED[each.language] ?? TEMPLATES.ca[2].text);
      }
    }
    return detail(request, member);
  };

  const join = (member, request, body) => {
    if (typeof body.into !== 'string' || !REFERENCE.test(body.into)) {
      throw error(422, 'invalid_request', 'string_pattern_mismatch', 'into');
    }
    if (body.into === request.reference) {
      throw error(422, 'invalid_request', 'cannot be the request itself', 'into');
    }
    const principal = actionable(member, body.into);
    if (request.joined_to === principal.reference) {
      return view(request);
    }
    if (request.joined_to) {
      throw conflict(`is already joined to ${request.joined_to}`, 'joined_to');
    }
    if (principal.joined_to) {
      throw conflict(`is itself joined to ${principal.joined_to}; join to that request`, 'into');
    }
    for (const each of [request, principal]) {
      if (FINAL.includes(each.state)) {
        throw conflict(`${each.reference} is ${each.state}; an ended request is not joined, unjoined or split`, 'state');
      }
    }
    if (request.theme !== principal.theme) {
      throw conflict('is of a different theme; only requests of one theme join', 'theme');
    }
    const apart = metres(request.location, principal.location);
    if (apart > RADIUS_M) {
      throw conflict(`is ${Math.round(apart)} m away; the theme joins within ${RADIUS_M} m`, 'location');
    }
    if (Math.abs(Date.parse(request.received_at) - Date.parse(principal.received_at)) > WINDOW_DAYS * DAY) {
      throw conflict(`came more than ${WINDOW_DAYS} days apart; the theme joins within that`, 'created_at');
    }
    unlocked(member, principal);
    request.joined_to = principal.reference;
    principal.joined = [...(principal.joined ?? []), request.reference];
    note(request, { kind: 'note', actor: member.username, text: `joined to ${principal.reference}` });
    note(principal, { kind: 'note', actor: member.username, text: `${request.reference} joined to this request` });
    return view(request);
  };

  const unjoin = (member, request) => {
    if (!request.joined_to) {
      throw conflict('is not joined to any request', 'joined_to');
    }
    const principal = requestOf(request.joined_to);
    unlocked(member, principal);
    principal.joined = (principal.joined ?? []).filter((reference) => reference !== request.reference);
    note(request, { kind: 'note', actor: member.username, text: `unjoined from ${principal.reference}` });
    delete request.joined_to;
    return view(request);
  };

  const split = (member, request, body, key) => {
    const parts = Array.isArray(body.parts) ? body.parts : null;
    if (!parts || parts.length < 1 || parts.length > MAX_PARTS) {
      throw error(422, 'invalid_request', parts?.length ? 'too_long' : 'too_short', 'parts');
    }
    if (FINAL.includes(request.state)) {
      throw conflict(`${request.reference} is ${request.state}; an ended request is not joined, unjoined or split`, 'state');
    }
    const made = parts.map((part, index) => {
      const once = `split#${request.reference}#${key}#${index}`;
      if (keys.has(once)) {
        return keys.get(once);
      }
      const theme = city.themes.find((item) => item.code === part.theme);
      if (!theme) {
        throw error(422, 'invalid_request', 'is not a theme of the catalogue', `parts.${index}.theme`);
      }
      city.serial += 1;
      const reference = `BCN-2026-${String(city.serial).padStart(6, '0')}`;
      const now = new Date().toISOString();
      city.requests.push({
        ...request,
        reference,
        theme: theme.code,
        theme_name: theme.code,
        state: 'pending_validation',
        group: theme.responsible_group ?? request.group,
        description: part.description,
        received_at: now,
        due_at: new Date(Date.now() + (theme.sla_hours ?? 72) * 3_600_000).toISOString(),
        split_from: request.reference,
        joined: [],
        parts: [],
        claims: [],
        attachments: [],
        duplicates: [],
        timeline: [{ at: now, kind: 'inbound', channel: request.channel, actor: null, text: part.description, from_state: null, to_state: null }],
      });
      keys.set(once, reference);
      return reference;
    });
    const fresh = made.filter((reference) => !(request.parts ?? []).includes(reference));
    if (fresh.length > 0) {
      request.parts = [...(request.parts ?? []), ...fresh];
      note(request, { kind: 'note', actor: member.username, text: `split into ${fresh.join(', ')}` });
    }
    return view(request);
  };

  const claim = (member, request, body, key) => {
    if (typeof body.text !== 'string' || !body.text.trim()) {
      throw error(422, 'invalid_request', 'string_too_short', 'text');
    }
    const once = `claim#${member.user_id}#${request.reference}#${key}`;
    if (keys.has(once)) {
      return keys.get(once);
    }
    if (!CLAIMABLE.includes(request.state)) {
      throw conflict(`is ${request.state}; only a closed or cancelled request can be claimed`, 'state');
    }
    const ending = request.timeline.filter((entry) => entry.kind === 'state_change' && entry.to_state === request.state).at(-1);
    const ended = Date.parse(ending?.at ?? request.closed_at ?? request.received_at);
    if (Date.now() - ended > CLAIM_DAYS * DAY) {
      throw conflict(
        `ended on ${new Date(ended).toISOString().slice(0, 10)}, more than ${CLAIM_DAYS} days ago; a claim is no longer possible`,
        'state',
      );
    }
    const rootReference = request.reference.replace(/-R\d+$/, '');
    const root = requestOf(rootReference);
    const reference = `${rootReference}-R${(root.claims ?? []).length + 1}`;
    const now = new Date().toISOString();
    city.requests.push({
      ...request,
      reference,
      state: 'pending_validation',
      description: body.text.trim(),
      channel: body.channel ?? request.channel,
      received_at: now,
      due_at: new Date(Date.now() + 72 * 3_600_000).toISOString(),
      alarms: ['claimed'],
      claim_of: request.reference,
      joined: [],
      parts: [],
      claims: [],
      attachments: [],
      duplicates: [],
      timeline: [{ at: now, kind: 'inbound', channel: body.channel ?? request.channel, actor: member.username, text: body.text.trim(), from_state: null, to_state: null }],
    });
    root.claims = [...(root.claims ?? []), reference];
    note(request, { kind: 'note', actor: member.username, text: `claimed as ${reference}` });
    const receipt = { reference, claim_of: request.reference, state: 'pending_validation', group: request.group, due_at: null, flags: ['claimed'] };
    keys.set(once, receipt);
    return receipt;
  };

  /** The answer of a link route, or `undefined` when `path` is none of them. */
  const routes = (method, path, body, member, key) => {
    const found = /^\/api\/desk\/v1\/requests\/([^/]+)\/(join|split|claim|joined\/answers|transitions)$/.exec(path);
    if (!found) {
      return undefined;
    }
    const reference = decodeURIComponent(found[1]);
    const action = found[2];
    if (action === 'transitions') {
      const request = requestOf(reference);
      const linkedMove = request.joined_to || (request.joined ?? []).length > 0 || body?.duplicate_of;
      if (method !== 'POST' || !linkedMove) {
        return undefined;
      }
      actionable(member, reference);
      unlocked(member, request);
      return move(member, request, body);
    }
    const request = actionable(member, reference);
    unlocked(member, request);
    if (action === 'join' && method === 'POST') {
      return join(member, request, body ?? {});
    }
    if (action === 'join' && method === 'DELETE') {
      return unjoin(member, request);
    }
    if (action === 'split' && method === 'POST') {
      return split(member, request, body ?? {}, key);
    }
    if (action === 'claim' && method === 'POST') {
      return claim(member, request, body ?? {}, key);
    }
    if (action === 'joined/answers' && method === 'POST') {
      return { items: [] };
    }
    return undefined;
  };

  return { routes, view, outbox };
}
