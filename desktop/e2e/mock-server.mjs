// A stand-in for the local stack while the real desk API is being built: it serves the
// built desktop (dist/), a /config.json, a Cognito user pool at /_local/cognito-idp/
// (SRP and password sign-in, the new-password challenge, refresh) and every desk API
// route of the contract over a small demo city. Run: node e2e/mock-server.mjs [--port N]

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { demoBytes, demoCity, POOL, STAFF, TEMPLATES, TRANSITIONS } from './fixtures.mjs';
import { alarmsOf, bulkRoutes, inView, viewCounts } from './mock-bulk.mjs';
import { coversTree, groupRoutes, mayReassign } from './mock-groups.mjs';
import { createConversations } from './mock-conversations.mjs';
import { createEngage } from './mock-engage.mjs';
import { createLinks } from './mock-links.mjs';
import { createOpen311Apps } from './mock-open311.mjs';
import { searchRoutes } from './mock-search.mjs';
import { challenge, signatureMatches, verifierOf } from './srp.mjs';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const DESK = '/api/desk/v1';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const SMS_PRICE_EUR = 0.0725;

class HttpError extends Error {
  constructor(status, code, message, errors) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

/** A success other than a plain 200, as the desk API answers some routes (201, headers). */
class Answer {
  constructor(status, body, headers = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const STATUS_OF = { invalid_request: 422, malformed: 400, not_found: 404, forbidden: 403, conflict: 409, transition_refused: 409 };

/** A domain error as the API's one error body gives it: the field and its rule, when there is a field. */
function refused(kind, rule, field = null) {
  const code = kind === 'malformed' ? 'invalid_request' : kind;
  return new HttpError(STATUS_OF[kind], code, field ? `${field} ${rule}` : rule, field ? [{ field, rule }] : undefined);
}

/** A body that broke pydantic's rules: each field with the rule's type. */
function broken(errors) {
  return new HttpError(422, 'invalid_request', 'some fields break the rules', errors.map(([field, rule]) => ({ field, rule })));
}

const FINAL_STATES = ['closed', 'cancelled', 'not_processed'];
const UPLOAD_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'text/plain', 'audio/mpeg', 'video/mp4'];
const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
const UPLOAD_EXPIRY_MS = 600_000;
const DOWNLOAD_EXPIRY_S = 300;
/** How long a request lock lasts unrenewed, as the desk API's default setting. */
const LOCK_SECONDS = 600;
const BUCKET = 'finestra-attachments';
const FILE_ROUTE = '/api/desk/v1/requests/{reference}/attachments/{attachment_id}';
const FILE_ID = /^(att|file)_[0-9A-Za-z]{26}$/;
const REFERENCE = /^[A-Z]{2,5}-\d{4}-\d{6}(-R\d+)?$/;
/** The most files of a request whose presence the request detail checks, as the API does. */
const MAX_CHECKED_FILES = 20;
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const CITIZEN_ID = new RegExp(`^cit_${ULID}$`);
const MERGE_ID = new RegExp(`^mrg_${ULID}$`);
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
const ACCESS_FIELDS = ['citizen_id', 'user_id', 'since', 'until', 'cursor', 'limit'];

// The reports route's counters, as the statistics function keeps them from the table's
// stream: by the city's calendar day, one dimension at a time.
const CONFIG_DIR = new URL('../../infra/config/', import.meta.url);
const GROUP_NAMES = new Map(JSON.parse(await readFile(new URL('groups.json', CONFIG_DIR), 'utf8')).groups.map((g) => [g.code, g.names]));
const DISTRICT_NAMES = new Map(
  (await readFile(new URL('districts.csv', CONFIG_DIR), 'utf8'))
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(','))
    .map(([code, name]) => [code, name]),
);
const CHANNEL_NAMES = {
  web: { ca: 'Web', es: 'Web', en: 'Web' },
  app: { ca: 'App mòbil', es: 'App móvil', en: 'Mobile app' },
  open311: { ca: 'Open311', es: 'Open311', en: 'Open311' },
  sms: { ca: 'SMS', es: 'SMS', en: 'SMS' },
  email: { ca: 'Correu electrònic', es: 'Correo electrónico', en: 'Email' },
  phone: { ca: 'Telèfon', es: 'Teléfono', en: 'Phone' },
  social: { ca: 'Xarxes socials', es: 'Redes sociales', en: 'Social media' },
  in_person: { ca: 'Presencial', es: 'Presencial', en: 'In person' },
};
const REPORT_FIELDS = ['from', 'to', 'by', 'format', 'lang'];
const REPORT_RULES = {
  from: 'must be a date as YYYY-MM-DD',
  to: 'must be a date as YYYY-MM-DD',
  by: 'must be theme, district, channel or group',
  format: 'must be json or csv',
  lang: 'must be ca, es or en',
};
const REPORT_CHOICES = { by: ['theme', 'district', 'channel', 'group'], format: ['json', 'csv'], lang: ['ca', 'es', 'en'] };
const REPORT_HEADINGS = {
  ca: ['Codi', 'Nom', 'Obertes', 'Tancades', 'Tancades dins del termini', 'Tancades fora de termini', 'Reobertes', 'Dies de tancament (mitjana)', 'Compliment del termini (%)'],
  es: ['Código', 'Nombre', 'Abiertas', 'Cerradas', 'Cerradas en plazo', 'Cerradas fuera de plazo', 'Reabiertas', 'Días de cierre (media)', 'Cumplimiento del plazo (%)'],
  en: ['Code', 'Name', 'Opened', 'Closed', 'Closed within SLA', 'Closed late', 'Reopened', 'Average closing days', 'SLA compliance (%)'],
};
const NOT_SET = { ca: '(sense valor)', es: '(sin valor)', en: '(not set)' };
const CITY_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid', year: 'numeric', month: '2-digit', day: '2-digit' });

/** A YYYY-MM-DD that is a real day, as a UTC midnight, or null. */
function reportDay(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value ?? '')) {
    return null;
  }
  const at = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value ? null : at;
}

/** The figures of a sum of day counters, rounded as the API rounds them. */
function reportFigures(sum) {
  const judged = sum.closed_within_sla + sum.closed_late;
  return {
    opened: sum.opened,
    closed: sum.closed,
    closed_within_sla: sum.closed_within_sla,
    closed_late: sum.closed_late,
    reopened: sum.reopened,
    average_closing_days: sum.closed ? Math.round((sum.closing_seconds_sum / sum.closed / 86400) * 100) / 100 : null,
    sla_compliance: judged ? Math.round((1000 * sum.closed_within_sla) / judged) / 10 : null,
  };
}

/** The report as the API's CSV: a byte-order mark, and `;` with decimal commas outside English. */
function reportCsv(report, lang) {
  const comma = lang !== 'en';
  const decimal = (value, digits) => (value === null ? '' : comma ? value.toFixed(digits).replace('.', ',') : value.toFixed(digits));
  const cell = (text) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
  const quoted = (text) => (/[";,\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const figures = (f) => [f.opened, f.closed, f.closed_within_sla, f.closed_late, f.reopened].map(String).concat([decimal(f.average_closing_days, 2), decimal(f.sla_compliance, 1)]);
  const lines = [REPORT_HEADINGS[lang]];
  for (const row of report.rows) {
    const name = row.label ?? (row.value === 'none' ? NOT_SET[lang] : row.value);
    lines.push([cell(row.value), cell(name), ...figures(row)]);
  }
  lines.push(['', 'Total', ...figures(report.totals)]);
  return `\ufeff${lines.map((line) => line.map(quoted).join(comma ? ';' : ',')).join('\r\n')}\r\n`;
}

/**
 * A `Content-Disposition` that downloads a file under `name` (RFC 6266), as the API
 * builds it: the exact name in `filename*`, a plain-ASCII stand-in in `filename`.
 */
function contentDisposition(name) {
  const plain = name.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'file';
  const exact = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${plain}"; filename*=UTF-8''${exact}`;
}

/** An id as the city makes them: a prefix and a ULID-shaped random part. */
function newId(prefix) {
  const random = randomBytes(26);
  return `${prefix}_${[...random].map((byte) => CROCKFORD[byte % 32]).join('')}`;
}

/** Whether `value` is a DNI or NIE with the right check letter, as the API normalises it. */
function validDocument(value) {
  const clean = value.replace(/[\s.-]/g, '').toUpperCase();
  const dni = /^(\d{8})([A-Z])$/.exec(clean);
  const nie = /^([XYZ])(\d{7})([A-Z])$/.exec(clean);
  const [digits, letter] = dni ? [dni[1], dni[2]] : nie ? [`${'XYZ'.indexOf(nie[1])}${nie[2]}`, nie[3]] : [null, null];
  return digits !== null && DNI_LETTERS[Number(digits) % 23] === letter ? clean : null;
}

/** A Spanish or international phone number in E.164, or null. */
function validPhone(value) {
  const digits = value.replace(/[\s().-]/g, '');
  if (/^\+\d{9,15}$/.test(digits)) {
    return digits;
  }
  return /^[6789]\d{8}$/.test(digits) ? `+34${digits}` : null;
}

/** A text field of an order: a string, trimmed, of `min` to `max` characters, or its pydantic rule. */
function textRule(value, { min = 1, max, strip = false }) {
  if (typeof value !== 'string') {
    return 'string_type';
  }
  const text = strip ? value.trim() : value;
  if (text.length < min) {
    return 'string_too_short';
  }
  return text.length > max ? 'string_too_long' : null;
}

/** Check an order against its fields' rules, refusing unknown fields as `extra="forbid"` does. */
function checkOrder(body, rules) {
  const errors = [];
  for (const name of Object.keys(body)) {
    if (!(name in rules)) {
      errors.push([name, 'extra_forbidden']);
    }
  }
  for (const [name, rule] of Object.entries(rules)) {
    const value = body[name];
    if (value === undefined || value === null) {
      if (rule.required) {
        errors.push([name, 'missing']);
      }
      continue;
    }
    const problem = rule.check(value);
    if (problem) {
      errors.push([name, problem]);
    }
  }
  if (errors.length > 0) {
    throw broken(errors);
  }
}

/** What an SMS of `text` costs: GSM-7 when every character fits, UCS-2 otherwise. */
export function smsPreview(text) {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.includes(c) || GSM_EXTENDED.includes(c));
  if (gsm) {
    const septets = chars.reduce((sum, c) => sum + (GSM_EXTENDED.includes(c) ? 2 : 1), 0);
    const segments = septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153);
    return { segments, encoding: 'GSM-7', cost_eur: Number((segments * SMS_PRICE_EUR).toFixed(4)) };
  }
  const units = text.length;
  const segments = units <= 70 ? 1 : Math.ceil(units / 67);
  return { segments, encoding: 'UCS-2', cost_eur: Number((segments * SMS_PRICE_EUR).toFixed(4)) };
}

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function slaOf(request, now) {
  if (request.due_at === null) {
    return 'none';
  }
  const left = Date.parse(request.due_at) - now;
  if (left < 0) {
    return 'breached';
  }
  return left < 8 * 3600_000 ? 'at_risk' : 'on_time';
}

function worklistItem(request, now) {
  return {
    reference: request.reference,
    theme: request.theme,
    theme_name: request.theme_name,
    state: request.state,
    channel: request.channel,
    district: request.district,
    neighbourhood: request.neighbourhood,
    priority: request.priority,
    group: request.group,
    due_at: request.due_at,
    sla: slaOf(request, now),
    received_at: request.received_at,
    summary: request.description.slice(0, 120),
    agent: request.agent ?? null,
    alarms: alarmsOf(request.flags),
    joined_to: request.joined_to ?? null,
  };
}

function required(body, fields) {
  const errors = fields.filter((field) => typeof body[field] !== 'string' || body[field].trim() === '');
  if (errors.length > 0) {
    throw new HttpError(
      422,
      'invalid_request',
      'some fields break the rules',
      errors.map((field) => ({ field, rule: 'missing' })),
    );
  }
}

/**
 * Start the mock on 127.0.0.1.
 *
 * @param {{port?: number, tokenSeconds?: number, dist?: string}} options
 * @returns {Promise<{url: string, close: () => Promise<void>, calls: Array<object>}>}
 */
export async function startMockServer({ port = 0, tokenSeconds = 3600, dist = DIST } = {}) {
  const started = Date.now();
  const city = demoCity(started);
  const staff = new Map(STAFF.map((member) => [member.username, { ...member }]));
  const poolName = POOL.userPoolId.split('_')[1];
  const signingKey = randomBytes(32);
  const sessions = new Map();
  const refreshTokens = new Map();
  const idTokens = new Map();
  const accessLog = [];
  const calls = [];

  for (const member of staff.values()) {
    member.salt = randomBytes(16).toString('hex');
    member.verifier = verifierOf(poolName, member.username, member.password, member.salt);
  }

  const jwt = (claims) => {
    const head = `${base64url({ alg: 'HS256', typ: 'JWT', kid: 'mock' })}.${base64url(claims)}`;
    return `${head}.${createHmac('sha256', signingKey).update(head).digest('base64url')}`;
  };

  const tokensFor = (member, refreshToken = null) => {
    const iat = Math.floor(Date.now() / 1000);
    const common = { sub: member.user_id, iat, exp: iat + tokenSeconds, iss: `mock/${POOL.userPoolId}`, origin_jti: randomUUID() };
    const idToken = jwt({
      ...common,
      aud: POOL.clientId,
      token_use: 'id',
      'cognito:username': member.username,
      'cognito:groups': member.roles,
      'custom:districts': member.districts.join(','),
      'custom:groups': member.groups.join(','),
      jti: randomUUID(),
    });
    idTokens.set(idToken, { username: member.username, exp: common.exp });
    const result = {
      IdToken: idToken,
      AccessToken: jwt({ ...common, client_id: POOL.clientId, token_use: 'access', username: member.username, jti: randomUUID() }),
      ExpiresIn: tokenSeconds,
      TokenType: 'Bearer',
    };
    if (refreshToken === null) {
      const fresh = randomBytes(48).toString('base64url');
      refreshTokens.set(fresh, member.username);
      result.RefreshToken = fresh;
    }
    return { AuthenticationResult: result, ChallengeParameters: {} };
  };

  const signedIn = (member) =>
    member.status === 'FORCE_CHANGE_PASSWORD'
      ? (() => {
          const session = randomBytes(32).toString('base64');
          sessions.set(session, { username: member.username, kind: 'new_password' });
          return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: session, ChallengeParameters: { USERNAME: member.username, userAttributes: '{}', requiredAttributes: '[]' } };
        })()
      : tokensFor(member);

  const cognito = (target, body) => {
    const denied = () => new HttpError(400, 'NotAuthorizedException', 'Incorrect username or password.');
    if (target === 'InitiateAuth' && body.AuthFlow === 'USER_SRP_AUTH') {
      const member = staff.get(body.AuthParameters?.USERNAME);
      if (!member) {
        throw denied();
      }
      const { b, B, secretBlock } = challenge(member.verifier);
      const A = BigInt(`0x${body.AuthParameters.SRP_A}`);
      const session = randomBytes(32).toString('base64');
      sessions.set(secretBlock, { username: member.username, kind: 'srp', A, b, B });
      return {
        ChallengeName: 'PASSWORD_VERIFIER',
        Session: session,
        ChallengeParameters: { SALT: member.salt, SRP_B: B.toString(16), SECRET_BLOCK: secretBlock, USERNAME: member.username, USER_ID_FOR_SRP: member.username },
      };
    }
    if (target === 'InitiateAuth' && body.AuthFlow === 'USER_PASSWORD_AUTH') {
      const member = staff.get(body.AuthParameters?.USERNAME);
      if (!member || member.password !== body.AuthParameters?.PASSWORD) {
        throw denied();
      }
      return signedIn(member);
    }
    if (target === 'InitiateAuth' && body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
      const username = refreshTokens.get(body.AuthParameters?.REFRESH_TOKEN);
      if (!username) {
        throw new HttpError(400, 'NotAuthorizedException', 'Invalid Refresh Token');
      }
      calls.push({ cognito: 'refresh', username });
      return tokensFor(staff.get(username), body.AuthParameters.REFRESH_TOKEN);
    }
    if (target === 'RespondToAuthChallenge' && body.ChallengeName === 'PASSWORD_VERIFIER') {
      const responses = body.ChallengeResponses ?? {};
      const exchange = sessions.get(responses.PASSWORD_CLAIM_SECRET_BLOCK);
      sessions.delete(responses.PASSWORD_CLAIM_SECRET_BLOCK);
      const member = exchange && staff.get(exchange.username);
      const proven =
        member &&
        signatureMatches({
          poolName,
          userId: member.username,
          verifier: member.verifier,
          A: exchange.A,
          b: exchange.b,
          B: exchange.B,
          secretBlock: responses.PASSWORD_CLAIM_SECRET_BLOCK,
          timestamp: responses.TIMESTAMP,
          signature: responses.PASSWORD_CLAIM_SIGNATURE,
        });
      if (!proven) {
        throw denied();
      }
      return signedIn(member);
    }
    if (target === 'RespondToAuthChallenge' && body.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      const exchange = sessions.get(body.Session);
      const member = exchange && staff.get(exchange.username);
      if (!member) {
        throw new HttpError(400, 'NotAuthorizedException', 'Invalid session for the user.');
      }
      const password = body.ChallengeResponses?.NEW_PASSWORD ?? '';
      if (password.length < 12 || !/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/\d/.test(password) || !/[^A-Za-z0-9]/.test(password)) {
        throw new HttpError(400, 'InvalidPasswordException', 'Password does not conform to policy.');
      }
      sessions.delete(body.Session);
      member.password = password;
      member.status = 'CONFIRMED';
      member.verifier = verifierOf(poolName, member.username, password, member.salt);
      return tokensFor(member);
    }
    if (target === 'RevokeToken') {
      refreshTokens.delete(body.Token);
      return {};
    }
    throw new HttpError(400, 'InvalidParameterException', `mock pool does not do ${target}`);
  };

  const caller = (headers) => {
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const held = token && idTokens.get(token);
    if (!held || held.exp * 1000 < Date.now()) {
      throw new HttpError(401, 'unauthorised', 'sign in first');
    }
    return staff.get(held.username);
  };

  const requestOf = (reference) => {
    const found = city.requests.find((request) => request.reference === reference);
    if (!found) {
      throw new HttpError(404, 'not_found', 'no such request');
    }
    return found;
  };

  const detail = (request, member = null) => {
    const now = Date.now();
    const { snapshots, duplicates, timeline, ...record } = request;
    const attachments = record.attachments.map((file, index) => ({
      ...file,
      uploaded: index < MAX_CHECKED_FILES ? uploads.has(file.key) : null,
    }));
    return {
      request: { ...worklistItem(request, now), ...record, attachments, sla: slaOf(request, now) },
      // The API's timeline entries name no files: the request's own list holds them.
      timeline: timeline.map((item) => {
        const shown = { ...item };
        delete shown.attachments;
        return shown;
      }),
      snapshots,
      duplicates,
      allowed_transitions: TRANSITIONS[request.state] ?? [],
      lock: lockView(request.reference, member),
      links: links.view(request),
    };
  };

  const note = (request, entry) => request.timeline.push({ at: new Date().toISOString(), channel: null, actor: null, text: null, from_state: null, to_state: null, reason: null, ...entry });

  const worklist = (member, query) => {
    const now = Date.now();
    const group = query.get('group') || member.groups[0];
    if (!coversTree(member, group)) {
      throw new HttpError(403, 'forbidden', `the group ${group} is outside your groups and the groups below them`);
    }
    const matches = (request, withSla) =>
      request.group === group &&
      ['pending_validation', 'planned', 'in_resolution', 'pending_answer', 'externally_processed'].includes(request.state) &&
      ['state', 'theme', 'district', 'channel', 'priority'].every((field) => !query.get(field) || request[field] === query.get(field)) &&
      (!query.get('q') || request.reference.startsWith(query.get('q').toUpperCase())) &&
      (!withSla || !query.get('sla') || slaOf(request, now) === query.get('sla')) &&
      (!withSla || inView(request, query, member, slaOf(request, now), (field) => refused('invalid_request', 'is not one of the allowed values', field)));
    const open = city.requests
      .filter((request) => matches(request, true))
      .sort((a, b) => (a.due_at ?? '9999').localeCompare(b.due_at ?? '9999') || a.reference.localeCompare(b.reference));
    const counts = { on_time: 0, at_risk: 0, breached: 0 };
    for (const request of city.requests.filter((item) => matches(item, false))) {
      const sla = slaOf(request, now);
      if (sla in counts) {
        counts[sla] += 1;
      }
    }
    const offset = Number(query.get('cursor') ? Buffer.from(query.get('cursor'), 'base64url').toString() : 0);
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 25)));
    const page = open.slice(offset, offset + limit);
    const next = offset + limit < open.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    const groupOpen = city.requests.filter((item) => item.group === group && !FINAL_STATES.includes(item.state) && (!query.get('district') || item.district === query.get('district')));
    const views = viewCounts(groupOpen, member, (item) => slaOf(item, now));
    return { items: page.map((request) => worklistItem(request, now)), next_cursor: next, counts, views };
  };

  const merges = new Map();
  const audit = [];
  const uploads = new Map(
    city.requests.flatMap((request) => request.attachments).map((file) => [file.key, { size: file.size, type: file.content_type, bytes: demoBytes(file) }]),
  );
  const grants = new Map();
  const logged = new Map();
  /** Request locks by reference, as the API keeps them: holder, name and lapse (ms). */
  const locks = new Map();
  let serial = city.serial;

  const hasRole = (member, ...roles) => member.roles.includes('administrator') || roles.some((role) => member.roles.includes(role));
  const requireRole = (member, ...roles) => {
    if (!hasRole(member, ...roles)) {
      throw refused('forbidden', `this needs the role ${[...roles].sort().join(' or ')}`);
    }
  };
  const coversDistrict = (member, district) => district === null || district === undefined || member.districts.includes('*') || member.districts.includes(district);
  const requireDistrict = (member, district) => {
    if (!coversDistrict(member, district)) {
      throw refused('forbidden', 'this is outside your districts');
    }
  };
  const coversGroup = (member, group) => hasRole(member, 'supervisor') || coversTree(member, group);
  const themeOf = (code) => city.themes.find((theme) => theme.code === code) ?? null;
  const logAccess = (member, citizenIds, route, reason) => {
    const at = new Date().toISOString();
    for (const id of new Set(citizenIds)) {
      accessLog.push({ at, user_id: member.user_id, username: member.username, citizen_id: id, route, reason });
    }
  };
  const profileOf = (citizen) => ({
    citizen_id: citizen.citizen_id,
    display_name: citizen.display_name,
    kind: citizen.kind,
    district: citizen.district,
    neighbourhood: citizen.neighbourhood,
    languages: citizen.languages,
    contacts: citizen.contacts,
    consents: citizen.consents,
  });
  const stored = (id) => city.citizens.find((citizen) => citizen.citizen_id === id) ?? null;
  const surviving = (id) => {
    let citizen = stored(id);
    for (let hop = 0; citizen?.merged_into && hop < 5; hop += 1) {
      citizen = stored(citizen.merged_into);
    }
    return citizen;
  };
  const requestsOf = (id) => city.requests.filter((request) => request.citizen_id === id);

  /** `_actionable`: an acting role, a known request, in the caller's districts and groups. */
  const actionable = (member, reference) => {
    requireRole(member, 'agent', 'supervisor');
    const request = requestOf(reference);
    requireDistrict(member, request.location?.district ?? request.district);
    if (!coversGroup(member, request.group)) {
      throw refused('forbidden', 'this request is outside your groups');
    }
    return request;
  };

  /** The live lock on `reference`, or null; a lapsed one counts as none, as in the API. */
  const liveLock = (reference) => {
    const lock = locks.get(reference);
    return lock && lock.expires_at > Date.now() ? lock : null;
  };
  const lockView = (reference, member) => {
    const lock = liveLock(reference);
    return lock && { holder: lock.holder, holder_name: lock.holder_name, expires_at: new Date(lock.expires_at).toISOString().replace(/\.\d+Z$/, 'Z'), mine: lock.holder === member?.user_id };
  };
  const lockedError = (lock) => new HttpError(409, 'locked', `${lock.holder_name} is working on this request until ${new Date(lock.expires_at).toISOString().replace(/\.\d+Z$/, 'Z')}`);
  /** Refuse a write while another staff member holds the request's lock. */
  const unlocked = (member, request) => {
    const lock = liveLock(request.reference);
    if (lock && lock.holder !== member.user_id) {
      throw lockedError(lock);
    }
  };
  /** Take or renew a lock for `member`, as `POST …/lock` does; `seconds` as the API's setting. */
  const takeLock = (member, reference, seconds = LOCK_SECONDS) => {
    const held = liveLock(reference);
    if (held && held.holder !== member.user_id) {
      throw lockedError(held);
    }
    const now = Date.now();
    const expires = (Math.floor(now / 1000) + seconds) * 1000;
    locks.set(reference, { holder: member.user_id, holder_name: member.username, acquired_at: held?.acquired_at ?? now, expires_at: expires });
    return lockView(reference, member);
  };
  const releaseLock = (member, reference, query) => {
    const errors = [...query.keys()].filter((name) => name !== 'force').map((name) => [name, 'extra_forbidden']);
    const force = query.get('force');
    if (force !== null && !['true', 'false', '1', '0', 'yes', 'no'].includes(force.toLowerCase())) {
      errors.push(['force', 'bool_parsing']);
    }
    if (errors.length > 0) {
      throw broken(errors);
    }
    const request = actionable(member, reference);
    const forced = ['true', '1', 'yes'].includes((force ?? '').toLowerCase());
    if (forced && !hasRole(member, 'supervisor')) {
      throw refused('forbidden', 'only supervisors break a lock another staff member holds');
    }
    const held = liveLock(reference);
    if (held && held.holder !== member.user_id) {
      if (!forced) {
        throw lockedError(held);
      }
      note(request, { kind: 'system', actor: 'system', text: `lock of ${held.holder_name} broken by ${member.username}` });
    }
    locks.delete(reference);
    return new Answer(204, undefined);
  };

  const entry = (member, fields) => ({
    at: new Date().toISOString(),
    kind: 'note',
    channel: 'internal',
    actor: `staff:${member.user_id}`,
    actor_name: member.username,
    text: null,
    from_state: null,
    to_state: null,
    reason: null,
    ...fields,
  });
  const summary = (request) => ({
    reference: request.reference,
    theme: request.theme,
    state: request.state,
    group: request.group,
    agent: request.agent ?? null,
    priority: request.priority,
    due_at: request.due_at,
    updated_at: new Date().toISOString(),
    version: (request.version = (request.version ?? 1) + 1),
    allowed_transitions: TRANSITIONS[request.state] ?? [],
  });

  const attach = (member, reference, body, origin) => {
    requireRole(member, 'agent', 'supervisor');
    checkOrder(body, {
      // eslint-disable-next-line no-control-regex -- the API's file names refuse control characters
      filename: { required: true, check: (v) => textRule(v, { max: 200, strip: true }) ?? (/^[^/\\\u0000-\u001f]+$/.test(v.trim()) ? null : 'string_pattern_mismatch') },
      content_type: { required: true, check: (v) => textRule(v, { max: 100 }) },
      size: { required: true, check: (v) => (Number.isInteger(v) ? (v >= 1 ? null : 'greater_than_equal') : 'int_type') },
    });
    const request = actionable(member, reference);
    unlocked(member, request);
    if (!UPLOAD_TYPES.includes(body.content_type)) {
      throw refused('invalid_request', 'is not a kind of file the city keeps', 'content_type');
    }
    if (body.size > UPLOAD_MAX_BYTES) {
      throw refused('invalid_request', `is larger than the ${UPLOAD_MAX_BYTES} bytes a file may have`, 'size');
    }
    const attachmentId = newId('att');
    const key = `requests/${request.reference}/${attachmentId}`;
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + UPLOAD_EXPIRY_MS).toISOString(),
        conditions: [{ bucket: BUCKET }, { key }, { 'Content-Type': body.content_type }, ['content-length-range', 1, body.size]],
      }),
    ).toString('base64');
    const fields = {
      'Content-Type': body.content_type,
      key,
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': `MOCKACCESSKEY/${new Date().toISOString().slice(0, 10).replace(/-/g, '')}/eu-west-1/s3/aws4_request`,
      'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''),
      policy,
      'x-amz-signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
    };
    grants.set(key, { size: body.size, type: body.content_type });
    const file = { attachment_id: attachmentId, key, filename: body.filename.trim(), content_type: body.content_type, size: body.size };
    request.attachments.push(file);
    request.timeline.push(entry(member, { attachments: [file] }));
    return new Answer(201, { upload: { url: `${origin}/_mock/s3/${BUCKET}`, fields }, attachment_id: attachmentId });
  };

  /** The attachments bucket's answer to a presigned POST, as S3 checks one. */
  const storeUpload = async (headers, raw) => {
    const xml = (status, code, message) => ({ status, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>` });
    if (headers.authorization) {
      return xml(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
    }
    let form;
    try {
      form = await new Request('http://bucket/', { method: 'POST', headers: { 'content-type': headers['content-type'] ?? '' }, body: raw }).formData();
    } catch {
      return xml(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
    }
    const policy = String(form.get('policy') ?? '');
    const signature = createHmac('sha256', signingKey).update(policy).digest('hex');
    if (form.get('x-amz-signature') !== signature) {
      return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    const terms = JSON.parse(Buffer.from(policy, 'base64').toString('utf8'));
    if (Date.parse(terms.expiration) < Date.now()) {
      return xml(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    }
    const named = new Set(['policy', 'x-amz-signature', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'file', 'bucket']);
    for (const condition of terms.conditions.filter((item) => !Array.isArray(item))) {
      const [[name, value]] = Object.entries(condition);
      named.add(name);
      if (name !== 'bucket' && form.get(name) !== value) {
        return xml(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${value}"]`);
      }
    }
    const extra = [...form.keys()].find((name) => !named.has(name));
    if (extra) {
      return xml(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra}`);
    }
    const file = form.get('file');
    if (!(file instanceof Blob)) {
      return xml(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    }
    const [, low, high] = terms.conditions.find((item) => Array.isArray(item) && item[0] === 'content-length-range');
    if (file.size > high) {
      return xml(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    }
    if (file.size < low) {
      return xml(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
    }
    const key = String(form.get('key'));
    uploads.set(key, { size: file.size, type: String(form.get('Content-Type')), bytes: Buffer.from(await file.arrayBuffer()) });
    return { status: 204, body: '' };
  };

  /** `request_for`: a reading role, a known request, its group and district the caller's. */
  const readable = (member, reference) => {
    requireRole(member, 'agent', 'supervisor');
    if (!REFERENCE.test(reference)) {
      throw refused('invalid_request', 'is not a request reference', 'reference');
    }
    const request = city.requests.find((item) => item.reference === reference);
    if (!request) {
      throw refused('not_found', 'no request has this reference');
    }
    if (!coversGroup(member, request.group)) {
      throw refused('forbidden', 'this request belongs to a group that is not yours');
    }
    requireDistrict(member, request.location?.district ?? request.district);
    return request;
  };

  /** The signature of a download link: what the bucket will answer, and until when. */
  const linkSignature = (key, until, disposition, type) => createHmac('sha256', signingKey).update([key, until, disposition, type].join('\n')).digest('hex');

  /** A short-lived link to one file of a request, as the attachment route answers it. */
  const openAttachment = (member, reference, attachmentId, origin) => {
    const request = readable(member, reference);
    if (!FILE_ID.test(attachmentId)) {
      throw refused('invalid_request', 'is not a file id', 'attachment_id');
    }
    const file = request.attachments.find((item) => item.attachment_id === attachmentId);
    if (!file) {
      throw refused('not_found', 'this request has no file with this attachment_id');
    }
    if (!uploads.has(file.key)) {
      throw new HttpError(409, 'upload_incomplete', 'the file is listed but its upload did not complete; add it again');
    }
    if (request.citizen_id) {
      logAccess(member, [request.citizen_id], FILE_ROUTE, 'attachment');
    }
    const until = Math.floor(Date.now() / 1000) + DOWNLOAD_EXPIRY_S;
    const disposition = contentDisposition(file.filename);
    const type = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/.test(file.content_type) ? file.content_type : 'application/octet-stream';
    const query = new URLSearchParams({
      'response-content-disposition': disposition,
      'response-content-type': type,
      'X-Amz-Expires': String(DOWNLOAD_EXPIRY_S),
      'X-Mock-Until': String(until),
      'X-Amz-Signature': linkSignature(file.key, until, disposition, type),
    });
    const path = file.key.split('/').map(encodeURIComponent).join('/');
    return {
      url: `${origin}/_mock/s3/${BUCKET}/${path}?${query}`,
      expires_at: new Date(until * 1000).toISOString(),
      filename: file.filename,
      content_type: file.content_type,
      size: file.size,
    };
  };

  /** The bucket's answer to a presigned GET: the file under the link's headers, or S3's refusal. */
  const download = (url) => {
    const xml = (status, code, message) => ({
      status,
      headers: { 'Content-Type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    });
    const key = decodeURIComponent(url.pathname.slice(`/_mock/s3/${BUCKET}/`.length));
    const disposition = url.searchParams.get('response-content-disposition') ?? '';
    const type = url.searchParams.get('response-content-type') ?? '';
    const until = Number(url.searchParams.get('X-Mock-Until'));
    if (url.searchParams.get('X-Amz-Signature') !== linkSignature(key, until, disposition, type)) {
      return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    if (until * 1000 < Date.now()) {
      return xml(403, 'AccessDenied', 'Request has expired');
    }
    const stored = uploads.get(key);
    if (!stored) {
      return xml(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    return { status: 200, headers: { 'Content-Type': type, 'Content-Disposition': disposition, 'Content-Length': String(stored.bytes.length) }, body: stored.bytes };
  };

  const correctTheme = (member, reference, body) => {
    requireRole(member, 'agent', 'supervisor');
    checkOrder(body, {
      theme: { required: true, check: (v) => textRule(v, { max: 80 }) },
      reason: { required: true, check: (v) => textRule(v, { max: 500, strip: true }) },
    });
    const request = actionable(member, reference);
    unlocked(member, request);
    if (FINAL_STATES.includes(request.state)) {
      throw refused('conflict', `is ${request.state}; an ended request stays as it is`, 'state');
    }
    const theme = themeOf(body.theme);
    if (theme === null) {
      throw refused('invalid_request', 'is not a theme of the catalogue', 'theme');
    }
    if (theme.code === request.theme) {
      throw refused('invalid_request', "is already the request's theme", 'theme');
    }
    const text = `theme ${request.theme} → ${theme.code}, group ${request.group} → ${theme.responsible_group}`;
    request.timeline.push(entry(member, { kind: 'assignment', text, reason: body.reason.trim() }));
    request.theme = theme.code;
    request.theme_name = `${theme.element.ca} · ${theme.detail.ca}`;
    request.group = theme.responsible_group;
    request.due_at = new Date(Date.parse(request.received_at) + theme.sla_hours * 3600_000).toISOString();
    return summary(request);
  };

  const findCitizen = (kind, value) =>
    city.citizens.find((citizen) => !citizen.merged_into && citizen.contacts.some((contact) => contact.kind === kind && contact.value.toLowerCase() === value.toLowerCase())) ?? null;

  const logContact = (member, body, key) => {
    requireRole(member, 'agent', 'supervisor');
    const name = (v) => textRule(v, { max: 120 });
    checkOrder(body, {
      channel: { required: true, check: (v) => (['voice', 'in_person'].includes(v) ? null : 'literal_error') },
      citizen_id: { check: (v) => textRule(v, { max: 64 }) },
      phone: { check: (v) => (typeof v === 'string' && validPhone(v) ? null : 'phone_number') },
      email: { check: (v) => (typeof v === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim()) ? null : 'email_address') },
      document_id: { check: (v) => (typeof v === 'string' && validDocument(v) ? null : 'document_id') },
      given_name: { check: name },
      family_names: { check: name },
      language: { check: (v) => (['ca', 'es', 'en'].includes(v) ? null : 'enum') },
      request_type: { check: (v) => (['incident', 'complaint', 'suggestion', 'thanks', 'service_request', 'enquiry'].includes(v) ? null : 'enum') },
      theme: { required: true, check: (v) => textRule(v, { max: 80 }) },
      description: { required: true, check: (v) => textRule(v, { max: 4000 }) },
      location: { check: (v) => (typeof v === 'object' && !Array.isArray(v) ? null : 'model_type') },
      response_channel: { check: (v) => (['email', 'sms', 'letter', 'phone', 'immediate', 'none'].includes(v) ? null : 'enum') },
    });
    if (!/^[A-Za-z0-9._:=+/-]{1,100}$/.test(key)) {
      throw refused('invalid_request', 'must be 1 to 100 letters, digits or . _ : = + / -', 'Idempotency-Key');
    }
    const seen = logged.get(`${member.user_id}#${key}`);
    if (seen) {
      return new Answer(201, seen, { Location: `${DESK}/requests/${seen.reference}` });
    }
    const place = body.location ?? null;
    const district = place?.district_code ?? null;
    if (district !== null && !/^([1-9]|10)$/.test(district)) {
      throw refused('invalid_request', 'is not a district code', 'location.district_code');
    }
    requireDistrict(member, district);
    const theme = themeOf(body.theme);
    if (theme === null) {
      throw refused('invalid_request', 'is not a theme of the catalogue', 'theme');
    }
    let citizen = null;
    if (body.citizen_id) {
      citizen = surviving(body.citizen_id);
      if (citizen === null) {
        throw refused('invalid_request', 'is not a citizen the city knows', 'citizen_id');
      }
      if (citizen.contacts.length === 0) {
        throw refused('invalid_request', 'has no contact point to file the request under', 'citizen_id');
      }
    }
    const given = [
      ['phone', body.phone ? validPhone(body.phone) : null, false],
      ['email', body.email ? body.email.trim().toLowerCase() : null, false],
      ['document', body.document_id ? validDocument(body.document_id) : null, body.channel === 'in_person'],
    ].filter(([, value]) => value);
    citizen ??= given.map(([kind, value]) => findCitizen(kind, value)).find(Boolean) ?? null;
    if (citizen === null && given.length > 0) {
      citizen = {
        citizen_id: newId('cit'),
        display_name: [body.given_name, body.family_names].filter(Boolean).join(' ') || null,
        kind: 'provisional',
        district,
        neighbourhood: null,
        languages: [body.language ?? 'ca'],
        contacts: [],
        consents: [],
      };
      city.citizens.push(citizen);
    }
    if (citizen !== null) {
      const fresh = given.filter(([kind, value]) => !citizen.contacts.some((c) => c.kind === kind && c.value === value));
      if (fresh.length > 0) {
        citizen.contacts.push(...fresh.map(([kind, value, verified]) => ({ kind, value, verified })));
        citizen.version = (citizen.version ?? 1) + 1;
        if (fresh.some(([, , verified]) => verified)) {
          citizen.kind = 'identified';
        }
      }
    }
    const requestType = body.request_type ?? theme.request_types[0];
    if (!theme.request_types.includes(requestType)) {
      throw refused('invalid_request', 'is not a type this theme accepts', 'request_type');
    }
    if (body.response_channel && !theme.response_channels.includes(body.response_channel)) {
      throw refused('invalid_request', 'is not offered for this theme', 'response_channel');
    }
    const hasPlace = place !== null && (Boolean(place.address) || (place.latitude != null && place.longitude != null));
    if (theme.requires_location && !hasPlace) {
      throw refused('invalid_request', 'is required for this theme', 'location');
    }
    serial += 1;
    const now = new Date();
    const channel = body.channel === 'voice' ? 'phone' : 'in_person';
    const request = {
      reference: `BCN-2026-${String(serial).padStart(6, '0')}`,
      theme: theme.code,
      theme_name: `${theme.element.ca} · ${theme.detail.ca}`,
      state: 'pending_validation',
      channel,
      district,
      neighbourhood: null,
      priority: 'normal',
      group: theme.responsible_group,
      received_at: now.toISOString(),
      due_at: new Date(now.getTime() + theme.sla_hours * 3600_000).toISOString(),
      description: body.description,
      citizen_id: citizen?.citizen_id ?? null,
      language: body.language ?? 'ca',
      response_channel: body.response_channel ?? theme.response_channels[0],
      location: place ? { lat: place.latitude ?? null, lon: place.longitude ?? null, address: place.address ?? null, district, neighbourhood: null } : null,
      attachments: [],
      snapshots: [],
      duplicates: [],
      timeline: [
        { at: now.toISOString(), kind: 'inbound', channel, actor: `staff:${member.user_id}`, actor_name: member.username, text: body.description, from_state: null, to_state: null, reason: null },
      ],
    };
    city.requests.push(request);
    const answer = { reference: request.reference, state: request.state };
    logged.set(`${member.user_id}#${key}`, answer);
    return new Answer(201, answer, { Location: `${DESK}/requests/${request.reference}` });
  };

  const citizenOrder = () => ({ required: true, check: (v) => (typeof v === 'string' && CITIZEN_ID.test(v) ? null : typeof v === 'string' ? 'string_pattern_mismatch' : 'string_type') });
  const live = (id, field) => {
    const citizen = stored(id);
    if (citizen === null) {
      throw refused('not_found', 'is not a citizen the city knows', field);
    }
    if (citizen.merged_into) {
      throw refused('conflict', 'was merged into another citizen', field);
    }
    if (citizen.erased_at) {
      throw refused('conflict', 'was erased', field);
    }
    return citizen;
  };
  const inScope = (member, citizens, requests) => {
    if (member.roles.includes('administrator')) {
      return;
    }
    for (const district of [...citizens.map((c) => c.district), ...requests.map((r) => r.location?.district ?? r.district)]) {
      requireDistrict(member, district);
    }
  };
  const mergeView = (merge) => {
    const shown = { ...merge };
    delete shown.moved_contacts;
    return shown;
  };

  const merge = (member, body) => {
    requireRole(member, 'agent', 'supervisor');
    checkOrder(body, {
      survivor: citizenOrder(),
      merged: citizenOrder(),
      reason: { required: true, check: (v) => textRule(v, { min: 3, max: 500, strip: true }) },
    });
    if (body.survivor === body.merged) {
      throw refused('invalid_request', 'must name another citizen than survivor', 'merged');
    }
    const already = stored(body.merged);
    if (already?.merged_into === body.survivor && merges.has(already.merge_id)) {
      return mergeView(merges.get(already.merge_id));
    }
    const survivor = live(body.survivor, 'survivor');
    const merged = live(body.merged, 'merged');
    const moving = requestsOf(merged.citizen_id);
    inScope(member, [survivor, merged], moving);
    const now = new Date().toISOString();
    const known = new Set(survivor.contacts.map((c) => `${c.kind}:${c.value}`));
    const contacts = merged.contacts.filter((c) => !known.has(`${c.kind}:${c.value}`));
    const record = {
      merge_id: newId('mrg'),
      survivor: survivor.citizen_id,
      merged: merged.citizen_id,
      reason: body.reason.trim(),
      by: member.user_id,
      by_username: member.username,
      at: now,
      state: 'done',
      references: moving.map((r) => r.reference).sort(),
      contacts_moved: contacts.length,
      consents_moved: merged.consents.length,
      survivor_contacts_before: survivor.contacts.length,
      survivor_consents_before: survivor.consents.length,
      survivor_version: (survivor.version ?? 1) + 1,
      merged_version: (merged.version ?? 1) + 1,
      finished_at: now,
      undone_at: null,
      undone_by: null,
      moved_contacts: merged.contacts,
    };
    for (const request of moving) {
      request.citizen_id = survivor.citizen_id;
    }
    survivor.contacts = [...survivor.contacts, ...contacts];
    survivor.consents = [...survivor.consents, ...merged.consents];
    survivor.version = record.survivor_version;
    merged.contacts = [];
    merged.consents = [];
    merged.merged_into = survivor.citizen_id;
    merged.merge_id = record.merge_id;
    merged.version = record.merged_version;
    merges.set(record.merge_id, record);
    audit.push({ citizen_id: survivor.citizen_id, at: now, action: 'merge', merge_id: record.merge_id, by: member.user_id, role: 'survivor' });
    audit.push({ citizen_id: merged.citizen_id, at: now, action: 'merge', merge_id: record.merge_id, by: member.user_id, role: 'merged' });
    logAccess(member, [survivor.citizen_id, merged.citizen_id], `${DESK}/citizens/merge`, 'merge');
    return mergeView(record);
  };

  const undo = (member, mergeId) => {
    requireRole(member, 'agent', 'supervisor');
    const record = MERGE_ID.test(mergeId) ? merges.get(mergeId) : undefined;
    if (record === undefined) {
      throw refused('not_found', 'is not a merge the city knows', 'merge_id');
    }
    const survivor = stored(record.survivor);
    const merged = stored(record.merged);
    const moved = record.references.map((reference) => city.requests.find((r) => r.reference === reference)).filter(Boolean);
    inScope(member, [survivor, merged].filter(Boolean), moved);
    if (record.state === 'undone') {
      return mergeView(record);
    }
    if (survivor === null || survivor.erased_at) {
      throw refused('conflict', 'was erased since the merge', 'survivor');
    }
    if (survivor.merged_into) {
      throw refused('conflict', 'was merged again since the merge', 'survivor');
    }
    if ((survivor.version ?? 1) !== record.survivor_version) {
      throw refused('conflict', 'changed since the merge (a contact point or consent)', 'survivor');
    }
    if (merged === null || merged.merged_into !== record.survivor || (merged.version ?? 1) !== record.merged_version) {
      throw refused('conflict', 'changed since the merge', 'merged');
    }
    for (const request of moved) {
      if (request.citizen_id !== record.survivor) {
        throw refused('conflict', `request ${request.reference} left the survivor since`, 'references');
      }
    }
    const later = requestsOf(record.survivor).find((request) => request.received_at > record.at && !record.references.includes(request.reference));
    if (later) {
      throw refused('conflict', `request ${later.reference} was filed since the merge`, 'survivor');
    }
    for (const request of moved) {
      request.citizen_id = record.merged;
    }
    survivor.contacts = survivor.contacts.slice(0, record.survivor_contacts_before);
    survivor.consents = survivor.consents.slice(0, record.survivor_consents_before);
    survivor.version += 1;
    merged.contacts = record.moved_contacts;
    merged.consents = [];
    delete merged.merged_into;
    delete merged.merge_id;
    merged.version += 1;
    const now = new Date().toISOString();
    record.state = 'undone';
    record.undone_at = now;
    record.undone_by = member.user_id;
    audit.push({ citizen_id: survivor.citizen_id, at: now, action: 'merge_undone', merge_id: record.merge_id, by: member.user_id, role: 'survivor' });
    audit.push({ citizen_id: merged.citizen_id, at: now, action: 'merge_undone', merge_id: record.merge_id, by: member.user_id, role: 'merged' });
    return mergeView(record);
  };

  /** The citizen and every citizen merged into them. */
  const groupOf = (root) => {
    const group = [root];
    for (let index = 0; index < group.length; index += 1) {
      group.push(...city.citizens.filter((c) => c.merged_into === group[index].citizen_id));
    }
    return group;
  };
  const rootOf = (id) => {
    const root = CITIZEN_ID.test(id) ? surviving(id) : null;
    if (root === null) {
      throw refused('not_found', 'is not a citizen the city knows', 'citizen_id');
    }
    return root;
  };

  const exportCitizen = (member, id) => {
    requireRole(member, 'administrator');
    const group = groupOf(rootOf(id));
    const ids = group.map((c) => c.citizen_id);
    const now = new Date().toISOString();
    const body = {
      format: 'finestra.citizen-export/1',
      citizen_id: ids[0],
      asked_for: id,
      exported_at: now,
      exported_by: member.user_id,
      citizen: { ...profileOf(group[0]), contact_points: group[0].contacts },
      merged_citizens: group.slice(1).map((c) => ({ ...profileOf(c), moved_contact_points: merges.get(c.merge_id)?.moved_contacts ?? [] })),
      requests: ids.flatMap((cid) =>
        requestsOf(cid).map(({ timeline, snapshots, ...request }) => ({ request: { ...request, duplicates: undefined }, interactions: timeline, snapshots })),
      ),
      snapshots: [],
      opinions: [],
      merges: [...merges.values()].filter((m) => ids.includes(m.survivor) || ids.includes(m.merged)).map(mergeView),
      audit: audit.filter((item) => ids.includes(item.citizen_id)),
      access_log: accessLog.filter((item) => ids.includes(item.citizen_id)).slice().reverse(),
    };
    audit.push({ citizen_id: ids[0], at: now, action: 'export', by: member.user_id, by_username: member.username, citizens: ids });
    logAccess(member, [ids[0]], `${DESK}/citizens/{citizen_id}/export`, 'export');
    return new Answer(200, body, { 'Content-Disposition': `attachment; filename=citizen-${id}.json` });
  };

  const erase = (member, id, body) => {
    requireRole(member, 'administrator');
    checkOrder(body, { reason: { required: true, check: (v) => textRule(v, { min: 3, max: 500, strip: true }) } });
    const root = rootOf(id);
    const group = groupOf(root);
    const ids = group.map((c) => c.citizen_id);
    const now = new Date().toISOString();
    const tally = {};
    const add = (kind, n = 1) => {
      if (n > 0) {
        tally[kind] = (tally[kind] ?? 0) + n;
      }
    };
    for (const citizen of group) {
      add('contact_points', citizen.contacts.length);
      for (const request of requestsOf(citizen.citizen_id)) {
        add('file_versions', request.attachments.filter((file) => uploads.delete(file.key)).length);
        add('snapshots', request.snapshots.length);
        request.snapshots = [];
        for (const item of request.timeline) {
          if (item.text || item.attachments?.length) {
            item.text = null;
            delete item.attachments;
            add('interactions');
          }
        }
        request.attachments = [];
        if (!request.erased_at) {
          request.erased_at = now;
          request.description = '[erased]';
          if (request.location) {
            const { district, neighbourhood, lat, lon } = request.location;
            request.location = { district, neighbourhood, address: null, lat: lat === null ? null : Math.round(lat * 100) / 100, lon: lon === null ? null : Math.round(lon * 100) / 100 };
          }
          add('requests');
        }
      }
    }
    const already = group.every((c) => c.erased_at);
    if (!(already && Object.keys(tally).length === 0)) {
      for (const citizen of group) {
        add('name_tokens', citizen.display_name ? citizen.display_name.split(/\s+/).length : 0);
        if (!citizen.erased_at) {
          add('profiles');
        }
        Object.assign(citizen, { display_name: null, kind: 'provisional', district: null, neighbourhood: null, contacts: [], consents: [] });
        citizen.erased_at ??= now;
        citizen.erasure_id ??= root.erasure_id ?? newId('era');
        citizen.version = (citizen.version ?? 1) + 1;
      }
      audit.push({ citizen_id: ids[0], at: now, action: 'erasure', erasure_id: root.erasure_id, by: member.user_id, reason: body.reason.trim(), citizens: ids, erased: tally });
      logAccess(member, [ids[0]], `${DESK}/citizens/{citizen_id}/erasure`, 'erasure');
    }
    return { erasure_id: root.erasure_id, citizen_id: ids[0], citizens: ids, at: root.erased_at, erased: tally };
  };

  const accessCursor = (fingerprint, offset) => {
    const body = Buffer.from(JSON.stringify({ query: fingerprint, offset })).toString('base64url');
    return `${body}.${createHmac('sha256', signingKey).update(`access-log.${body}`).digest('hex').slice(0, 32)}`;
  };

  const readAccessLog = (member, query) => {
    requireRole(member, 'administrator');
    const errors = [...query.keys()].filter((name) => !ACCESS_FIELDS.includes(name)).map((name) => [name, 'extra_forbidden']);
    const instant = (name) => {
      const value = query.get(name);
      if (value === null) {
        return null;
      }
      if (Number.isNaN(Date.parse(value))) {
        errors.push([name, 'datetime_from_date_parsing']);
        return null;
      }
      if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
        errors.push([name, 'timezone_aware']);
        return null;
      }
      return Date.parse(value);
    };
    const since = instant('since');
    const until = instant('until');
    const limit = query.has('limit') ? Number(query.get('limit')) : 50;
    if (!Number.isInteger(limit)) {
      errors.push(['limit', 'int_parsing']);
    } else if (limit < 1 || limit > 200) {
      errors.push(['limit', limit < 1 ? 'greater_than_equal' : 'less_than_equal']);
    }
    const citizen = query.get('citizen_id');
    const user = query.get('user_id');
    if (errors.length === 0 && !citizen && !user) {
      errors.push(['body', 'value_error']);
    }
    if (errors.length === 0 && since !== null && until !== null && since > until) {
      errors.push(['body', 'value_error']);
    }
    if (errors.length > 0) {
      throw broken(errors);
    }
    const fingerprint = [citizen ?? '', user ?? '', query.get('since') ?? '', query.get('until') ?? ''].join('|');
    let offset = 0;
    const cursor = query.get('cursor');
    if (cursor) {
      const [body, signature] = cursor.split('.');
      const expected = body ? createHmac('sha256', signingKey).update(`access-log.${body}`).digest('hex').slice(0, 32) : '';
      if (!body || signature !== expected) {
        throw refused('malformed', 'is not a cursor this list handed out', 'cursor');
      }
      const position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (position.query !== fingerprint) {
        throw refused('malformed', 'belongs to another question', 'cursor');
      }
      offset = position.offset;
    }
    const found = accessLog
      .filter((item) => (!citizen || item.citizen_id === citizen) && (!user || item.user_id === user))
      .filter((item) => (since === null || Date.parse(item.at) >= since) && (until === null || Date.parse(item.at) <= until))
      .slice()
      .reverse();
    const items = found.slice(offset, offset + limit);
    return { items, next_cursor: offset + limit < found.length ? accessCursor(fingerprint, offset + limit) : null };
  };

  /**
   * The reports route over the demo city: each request opened on its day of the city's
   * calendar; every third one closed some hours after it came in, for the closing figures.
   */
  const readReport = (member, query) => {
    requireRole(member, 'supervisor');
    for (const name of ['from', 'to', 'by']) {
      if (!query.has(name)) {
        throw refused('malformed', 'is required', name);
      }
    }
    for (const name of ['from', 'to']) {
      if (reportDay(query.get(name)) === null) {
        throw refused('malformed', REPORT_RULES[name], name);
      }
    }
    for (const [name, choices] of Object.entries(REPORT_CHOICES)) {
      if (query.has(name) && !choices.includes(query.get(name))) {
        throw refused('malformed', REPORT_RULES[name], name);
      }
    }
    const extra = [...query.keys()].find((name) => !REPORT_FIELDS.includes(name));
    if (extra) {
      throw refused('malformed', 'is not a parameter of reports', extra);
    }
    const [from, to] = [query.get('from'), query.get('to')];
    if (to < from) {
      throw refused('malformed', 'must not be before from', 'to');
    }
    if ((reportDay(to) - reportDay(from)) / 86_400_000 + 1 > 366) {
      throw refused('malformed', 'must be at most one year after from', 'to');
    }
    const by = query.get('by');
    const lang = query.get('lang') ?? 'ca';
    const sums = new Map();
    const add = (value, day, counts) => {
      if (day < from || day > to) {
        return;
      }
      const sum = sums.get(value) ?? { opened: 0, closed: 0, closing_seconds_sum: 0, closed_within_sla: 0, closed_late: 0, reopened: 0 };
      for (const [name, amount] of Object.entries(counts)) {
        sum[name] += amount;
      }
      sums.set(value, sum);
    };
    for (const [index, request] of city.requests.entries()) {
      const value = { theme: request.theme, district: request.location?.district ?? request.district ?? 'none', channel: request.channel, group: request.group }[by];
      add(value, CITY_DAY.format(new Date(request.received_at)), { opened: 1 });
      if (index % 3 === 0) {
        const seconds = ((index % 5) + 1) * 12 * 3600;
        const closedAt = Date.parse(request.received_at) + seconds * 1000;
        const judged = request.due_at === null ? {} : closedAt <= Date.parse(request.due_at) ? { closed_within_sla: 1 } : { closed_late: 1 };
        add(value, CITY_DAY.format(new Date(closedAt)), { closed: 1, closing_seconds_sum: seconds, ...judged });
      }
    }
    const labelOf = (value) => {
      if (by === 'theme') {
        const theme = city.themes.find((t) => t.code === value);
        return theme ? `${theme.element[lang]} · ${theme.detail[lang]}` : null;
      }
      if (by === 'district') {
        return DISTRICT_NAMES.get(value) ?? null;
      }
      return (by === 'group' ? GROUP_NAMES.get(value) : CHANNEL_NAMES[value])?.[lang] ?? null;
    };
    const total = { opened: 0, closed: 0, closing_seconds_sum: 0, closed_within_sla: 0, closed_late: 0, reopened: 0 };
    for (const sum of sums.values()) {
      for (const name of Object.keys(total)) {
        total[name] += sum[name];
      }
    }
    const rows = [...sums.entries()]
      .map(([value, sum]) => ({ ...reportFigures(sum), value, label: labelOf(value) }))
      .sort((a, b) => b.opened - a.opened || b.closed - a.closed || (a.value < b.value ? -1 : 1));
    const report = { from, to, by, rows, totals: reportFigures(total) };
    if (query.get('format') === 'csv') {
      return new Answer(200, reportCsv(report, lang), {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="finestra-report-${by}-${from}-${to}.csv"`,
      });
    }
    return report;
  };

  const citizenSearch = (member, query) => {
    const [field, raw] = ['phone', 'email', 'document', 'name', 'reference'].map((name) => [name, query.get(name)]).find(([, value]) => value) ?? [];
    if (!field) {
      throw broken([['body', 'value_error']]);
    }
    const value = raw.trim().toLowerCase().replace(/\s+/g, field === 'phone' ? '' : ' ');
    const matches = city.citizens.filter((citizen) => {
      if (field === 'name') {
        return (citizen.display_name ?? '').toLowerCase().includes(value);
      }
      if (field === 'reference') {
        return city.requests.some((request) => request.reference.toLowerCase() === value && request.citizen_id === citizen.citizen_id);
      }
      return citizen.contacts.some((contact) => contact.kind === field && contact.value.toLowerCase() === value);
    });
    const hits = [...new Map(matches.map((citizen) => surviving(citizen.citizen_id)).filter(Boolean).map((c) => [c.citizen_id, c])).values()];
    logAccess(member, hits.map((citizen) => citizen.citizen_id), `${DESK}/citizens`, 'search');
    return {
      items: hits.map((citizen) => ({
        citizen_id: citizen.citizen_id,
        display_name: citizen.display_name,
        district: citizen.district,
        languages: citizen.languages,
        request_count: requestsOf(citizen.citizen_id).length,
      })),
    };
  };

  const citizenView = (member, citizenId) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(citizenId)) {
      throw refused('invalid_request', 'is not a citizen id', 'citizen_id');
    }
    const citizen = surviving(citizenId);
    if (!citizen) {
      throw new HttpError(404, 'not_found', 'no citizen has this id');
    }
    logAccess(member, [citizen.citizen_id], `${DESK}/citizens/{citizen_id}`, 'profile');
    const now = Date.now();
    const theirs = requestsOf(citizen.citizen_id).sort((a, b) => b.received_at.localeCompare(a.received_at));
    return {
      citizen: profileOf(citizen),
      requests: theirs.map((request) => worklistItem(request, now)),
      snapshots: theirs[0]?.snapshots ?? [],
      campaigns: [],
      answers: [],
    };
  };

  const links = createLinks(city, {
    requestOf,
    actionable,
    unlocked,
    note,
    detail,
    contactOf: (request) =>
      surviving(request.citizen_id ?? '')?.contacts?.find((point) => point.kind === (request.response_channel === 'sms' ? 'phone' : 'email'))?.value ?? null,
    error: (status, code, message, field) => new HttpError(status, code, message, field ? [{ field, rule: message }] : undefined),
  });

  const conversations = createConversations(city, { requestOf, actionable, unlocked, error: (status, code, message, field) => new HttpError(status, code, message, field ? [{ field, rule: message }] : undefined) });

  const engage = createEngage({
    error: (status, code, message, field) => new HttpError(status, code, message, field ? [{ field, rule: message }] : undefined),
    smsPreview,
    hasRole,
  });

  const open311 = createOpen311Apps({
    error: (status, code, message, field) => new HttpError(status, code, message, field ? [{ field, rule: message }] : undefined),
    started,
  });

  const desk = (method, path, query, body, member, headers, origin) => {
    const route = (pattern) => pattern.exec(path);
    let found;
    if (method === 'GET' && path === `${DESK}/me`) {
      const { user_id, username, roles, districts, groups } = member;
      return { user_id, username, roles, districts, groups };
    }
    if (method === 'GET' && path === `${DESK}/worklist`) {
      return worklist(member, query);
    }
    const grouped = groupRoutes(method, path, query, member, (status, code, message, field) => new HttpError(status, code, message, field ? [{ field, rule: message }] : undefined));
    if (grouped !== undefined) {
      return grouped;
    }
    const engaged = engage.routes(method, path, query, body, member, Answer);
    if (engaged !== undefined) {
      return engaged;
    }
    const registered = open311.routes(method, path, body, member, Answer);
    if (registered !== undefined) {
      return registered;
    }
    const searched = searchRoutes(method, path, query, member, { city, HttpError, Answer, coversTree, worklistItem, slaOf, requireReader: (who) => requireRole(who, 'agent', 'supervisor') });
    if (searched !== undefined) {
      return searched;
    }
    const bulk = bulkRoutes(method, path, body, member, { HttpError, readable, actionable, unlocked, note, summary, transitions: TRANSITIONS, mayReassign, requireActing: (who) => requireRole(who, 'agent', 'supervisor') });
    if (bulk !== undefined) {
      return bulk;
    }
    const talked = conversations.routes(method, path, query, body, member);
    if (talked !== undefined) {
      return talked;
    }
    const linked = links.routes(method, path, body, member, headers['idempotency-key'] ?? randomUUID());
    if (linked !== undefined) {
      return linked;
    }
    if (method === 'GET' && path === `${DESK}/citizens`) {
      return citizenSearch(member, query);
    }
    if (method === 'GET' && path === `${DESK}/reports`) {
      return readReport(member, query);
    }
    if (method === 'GET' && path === `${DESK}/access-log`) {
      return readAccessLog(member, query);
    }
    if (method === 'POST' && path === `${DESK}/requests`) {
      return logContact(member, body, headers['idempotency-key'] ?? randomUUID());
    }
    if (method === 'POST' && path === `${DESK}/citizens/merge`) {
      return merge(member, body);
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/citizens\/merges\/([^/]+)\/undo$/))) {
      return undo(member, decodeURIComponent(found[1]));
    }
    if (method === 'GET' && (found = route(/^\/api\/desk\/v1\/citizens\/([^/]+)\/export$/))) {
      return exportCitizen(member, decodeURIComponent(found[1]));
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/citizens\/([^/]+)\/erasure$/))) {
      return erase(member, decodeURIComponent(found[1]), body);
    }
    if (method === 'GET' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/attachments\/([^/]+)$/))) {
      return openAttachment(member, decodeURIComponent(found[1]), decodeURIComponent(found[2]), origin);
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/attachments$/))) {
      return attach(member, decodeURIComponent(found[1]), body, origin);
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/theme$/))) {
      return correctTheme(member, decodeURIComponent(found[1]), body);
    }
    if (method === 'GET' && path === `${DESK}/reply-templates`) {
      return { items: TEMPLATES[query.get('lang')] ?? TEMPLATES.ca };
    }
    if (method === 'POST' && path === `${DESK}/replies/preview`) {
      if (typeof body.text !== 'string') {
        throw new HttpError(422, 'invalid_request', 'some fields break the rules', [{ field: 'text', rule: 'missing' }]);
      }
      return smsPreview(body.text);
    }
    if (method === 'GET' && (found = route(/^\/api\/desk\/v1\/citizens\/([^/]+)$/))) {
      return citizenView(member, decodeURIComponent(found[1]));
    }
    if (method === 'GET' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)$/))) {
      return detail(requestOf(decodeURIComponent(found[1])), member);
    }
    if ((found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/lock$/)) && ['POST', 'DELETE'].includes(method)) {
      const reference = decodeURIComponent(found[1]);
      if (method === 'DELETE') {
        return releaseLock(member, reference, query);
      }
      actionable(member, reference);
      return takeLock(member, reference);
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/([a-z]+)$/))) {
      const request = requestOf(decodeURIComponent(found[1]));
      const action = found[2];
      unlocked(member, request);
      if (action === 'transitions') {
        required(body, ['to', 'reason']);
        if (!(TRANSITIONS[request.state] ?? []).includes(body.to)) {
          throw new HttpError(409, 'transition_not_allowed', 'not from this state');
        }
        note(request, { kind: 'state_change', actor: member.username, reason: body.reason, from_state: request.state, to_state: body.to });
        request.state = body.to;
        return detail(request);
      }
      if (action === 'assignment') {
        required(body, ['group', 'reason']);
        if (!mayReassign(member, request.group, body.group)) {
          throw new HttpError(403, 'forbidden', `${body.group} is not a reassignment target of ${request.group}; only supervisors give requests elsewhere`);
        }
        const before = request.group;
        request.group = body.group;
        note(request, { kind: 'assignment', actor: member.username, text: `group ${before}, agent ${request.agent ?? '-'} → group ${body.group}, agent ${body.agent ?? '-'}`, reason: body.reason });
        return detail(request);
      }
      if (action === 'priority') {
        if (!['low', 'normal', 'high', 'urgent'].includes(body.priority)) {
          throw new HttpError(422, 'invalid_request', 'some fields break the rules', [{ field: 'priority', rule: 'enum' }]);
        }
        request.priority = body.priority;
        return detail(request);
      }
      if (action === 'notes') {
        required(body, ['text']);
        note(request, { kind: 'note', actor: member.username, text: body.text });
        return detail(request);
      }
      if (action === 'replies') {
        required(body, ['text', 'language']);
        if (request.response_channel === 'none') {
          throw new HttpError(409, 'no_response_channel', 'the citizen asked for no answer');
        }
        const preview = request.response_channel === 'sms' ? smsPreview(body.text) : { segments: 0, encoding: 'UCS-2', cost_eur: 0 };
        note(request, { kind: 'outbound', channel: request.response_channel, actor: member.username, text: body.text });
        return { interaction_id: randomUUID(), channel: request.response_channel, ...preview };
      }
    }
    throw new HttpError(404, 'not_found', 'no route here');
  };

  const send = (response, status, body, headers = {}) => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
    response.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  };

  const file = async (response, pathname) => {
    const root = resolve(dist);
    let wanted = resolve(join(root, normalize(decodeURIComponent(pathname))));
    const exists = wanted.startsWith(root) && (await stat(wanted).then((s) => s.isFile(), () => false));
    if (!exists) {
      wanted = join(root, 'index.html');
    }
    const content = await readFile(wanted).catch(() => null);
    if (content === null) {
      send(response, 404, { code: 'not_found', message: 'the desktop is not built: run npm run build' });
      return;
    }
    const type = TYPES[extname(wanted)] ?? 'application/octet-stream';
    response.writeHead(200, { 'Content-Type': type, 'Cache-Control': wanted.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable' });
    response.end(content);
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const chunks = [];
    for await (const chunk of request) {
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    try {
      if (request.method === 'GET' && url.pathname.startsWith(`/_mock/s3/${BUCKET}/`)) {
        const answer = download(url);
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
        return;
      }
      if (request.method === 'POST' && url.pathname === `/_mock/s3/${BUCKET}`) {
        const stored = await storeUpload(request.headers, bytes);
        response.writeHead(stored.status, stored.body ? { 'Content-Type': 'application/xml' } : {});
        response.end(stored.body);
        return;
      }
      if (url.pathname === '/config.json') {
        send(response, 200, { ...POOL, cognitoEndpoint: '/_local/cognito-idp/' });
        return;
      }
      if (url.pathname.startsWith('/_local/cognito-idp')) {
        const target = String(request.headers['x-amz-target'] ?? '').split('.').pop();
        const answer = cognito(target, raw ? JSON.parse(raw) : {});
        send(response, 200, answer, { 'Content-Type': 'application/x-amz-json-1.1' });
        return;
      }
      if (url.pathname.startsWith('/api/v1/themes')) {
        const lang = ['ca', 'es', 'en'].includes(url.searchParams.get('lang')) ? url.searchParams.get('lang') : 'ca';
        const areas = new Map(city.areas.map((area) => [area.code, area.names?.[lang] ?? area.code]));
        const themes = city.themes.map((theme) => ({
          code: theme.code,
          area: areas.get(theme.area) ?? theme.area,
          element: theme.element[lang],
          detail: theme.detail[lang],
          request_types: theme.request_types,
          response_channels: theme.response_channels,
          requires_location: theme.requires_location,
          requires_identified_citizen: theme.requires_identified_citizen,
        }));
        send(response, 200, { themes });
        return;
      }
      if (url.pathname.startsWith('/api/citizen/v1/')) {
        let body = {};
        try {
          body = raw ? JSON.parse(raw) : {};
        } catch {
          throw new HttpError(400, 'bad_request', 'is not valid JSON');
        }
        calls.push({ method: request.method, path: url.pathname, username: null });
        const answer = engage.citizenRoutes(request.method, url.pathname, body);
        if (answer === undefined) {
          throw new HttpError(404, 'not_found', 'no route here');
        }
        send(response, 200, answer);
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        const member = caller(request.headers);
        let body = {};
        if (request.method === 'POST' || request.method === 'PUT') {
          try {
            body = raw ? JSON.parse(raw) : {};
          } catch {
            throw new HttpError(400, 'bad_request', 'is not valid JSON', [{ field: 'body', rule: 'is not valid JSON' }]);
          }
        }
        calls.push({ method: request.method, path: url.pathname, username: member.username });
        const answer = desk(request.method, url.pathname, url.searchParams, body, member, request.headers, `http://${request.headers.host}`);
        if (answer instanceof Answer) {
          send(response, answer.status, answer.body, answer.headers);
        } else {
          send(response, 200, answer);
        }
        return;
      }
      await file(response, url.pathname);
    } catch (error) {
      if (error instanceof HttpError) {
        const cognitoError = url.pathname.startsWith('/_local/');
        send(
          response,
          error.status,
          cognitoError ? { __type: error.code, message: error.message } : { code: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) },
        );
        return;
      }
      send(response, 500, { code: 'internal_error', message: 'the mock failed' });
      console.error('mock server error:', error);
    }
  });

  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    accessLog,
    uploads,
    merges,
    locks,
    /** Make the staff member `username` hold the lock of `reference`, as if working on it. */
    holdLock: (reference, username, seconds = LOCK_SECONDS) => takeLock(staff.get(username), reference, seconds),
    city,
    /** Every message the link routes sent: reference, channel, language, to, text. */
    outbox: links.outbox,
    /** The campaign side's state: survey responses, withdrawals, and links to issue. */
    engage,
    /** The external body answers the request's open conversation through its link. */
    replyAsBody: conversations.replyAsBody,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
  const mock = await startMockServer({ port });
  console.log(`mock desk on ${mock.url} (sign in as ${STAFF[0].username} / ${STAFF[0].password})`);
}
