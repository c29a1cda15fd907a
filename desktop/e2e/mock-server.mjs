// A stand-in for the local stack while the real desk API is being built: it serves the
// built desktop (dist/), a /config.json, a Cognito user pool at /_local/cognito-idp/
// (SRP and password sign-in, the new-password challenge, refresh) and every desk API
// route of the contract over a small demo city. Run: node e2e/mock-server.mjs [--port N]

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { demoCity, POOL, STAFF, TEMPLATES, TRANSITIONS } from './fixtures.mjs';
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

  const detail = (request) => {
    const now = Date.now();
    const { snapshots, duplicates, timeline, ...record } = request;
    return {
      request: { ...worklistItem(request, now), ...record, sla: slaOf(request, now) },
      timeline,
      snapshots,
      duplicates,
      allowed_transitions: TRANSITIONS[request.state] ?? [],
    };
  };

  const note = (request, entry) => request.timeline.push({ at: new Date().toISOString(), channel: null, actor: null, text: null, from_state: null, to_state: null, ...entry });

  const worklist = (member, query) => {
    const now = Date.now();
    const group = query.get('group') || member.groups[0];
    if (!member.groups.includes(group)) {
      throw new HttpError(403, 'forbidden', 'not your group');
    }
    const matches = (request, withSla) =>
      request.group === group &&
      ['pending_validation', 'planned', 'in_resolution', 'pending_answer', 'externally_processed'].includes(request.state) &&
      ['state', 'theme', 'district', 'channel', 'priority'].every((field) => !query.get(field) || request[field] === query.get(field)) &&
      (!query.get('q') || request.reference.startsWith(query.get('q').toUpperCase())) &&
      (!withSla || !query.get('sla') || slaOf(request, now) === query.get('sla'));
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
    return { items: page.map((request) => worklistItem(request, now)), next_cursor: next, counts };
  };

  const citizenSearch = (query) => {
    const [field, raw] = ['phone', 'email', 'document', 'name', 'reference'].map((name) => [name, query.get(name)]).find(([, value]) => value) ?? [];
    if (!field) {
      throw new HttpError(422, 'invalid_request', 'name one identifier', [{ field: 'query', rule: 'missing' }]);
    }
    const value = raw.trim().toLowerCase().replace(/\s+/g, field === 'phone' ? '' : ' ');
    const hits = city.citizens.filter((citizen) => {
      if (field === 'name') {
        return citizen.display_name.toLowerCase().includes(value);
      }
      if (field === 'reference') {
        return city.requests.some((request) => request.reference.toLowerCase() === value && request.citizen_id === citizen.citizen_id);
      }
      return citizen.contacts.some((contact) => contact.kind === field && contact.value.toLowerCase() === value);
    });
    return {
      items: hits.map((citizen) => ({
        citizen_id: citizen.citizen_id,
        display_name: citizen.display_name,
        district: citizen.district,
        languages: citizen.languages,
        request_count: city.requests.filter((request) => request.citizen_id === citizen.citizen_id).length,
      })),
    };
  };

  const citizenView = (member, citizenId) => {
    const citizen = city.citizens.find((item) => item.citizen_id === citizenId);
    if (!citizen) {
      throw new HttpError(404, 'not_found', 'no such citizen');
    }
    accessLog.push({ at: new Date().toISOString(), user_id: member.user_id, username: member.username, citizen_id: citizenId, route: 'citizen', reason: null });
    const now = Date.now();
    const theirs = city.requests.filter((request) => request.citizen_id === citizenId).sort((a, b) => b.received_at.localeCompare(a.received_at));
    return {
      citizen,
      requests: theirs.map((request) => worklistItem(request, now)),
      snapshots: theirs[0]?.snapshots ?? [],
      campaigns: [],
      answers: [],
    };
  };

  const desk = (method, path, query, body, member) => {
    const route = (pattern) => pattern.exec(path);
    let found;
    if (method === 'GET' && path === `${DESK}/me`) {
      const { user_id, username, roles, districts, groups } = member;
      return { user_id, username, roles, districts, groups };
    }
    if (method === 'GET' && path === `${DESK}/worklist`) {
      return worklist(member, query);
    }
    if (method === 'GET' && path === `${DESK}/citizens`) {
      return citizenSearch(query);
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
      return detail(requestOf(decodeURIComponent(found[1])));
    }
    if (method === 'POST' && (found = route(/^\/api\/desk\/v1\/requests\/([^/]+)\/([a-z]+)$/))) {
      const request = requestOf(decodeURIComponent(found[1]));
      const action = found[2];
      if (action === 'transitions') {
        required(body, ['to', 'reason']);
        if (!(TRANSITIONS[request.state] ?? []).includes(body.to)) {
          throw new HttpError(409, 'transition_not_allowed', 'not from this state');
        }
        note(request, { kind: 'state_change', actor: member.username, text: body.reason, from_state: request.state, to_state: body.to });
        request.state = body.to;
        return detail(request);
      }
      if (action === 'assignment') {
        required(body, ['group', 'reason']);
        request.group = body.group;
        note(request, { kind: 'assignment', actor: member.username, text: body.reason });
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
    response.end(body === undefined ? '' : JSON.stringify(body));
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
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
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
        const themes = city.themes.map((theme) => ({ code: theme.code, area: theme.area, element: theme.element[lang], detail: theme.detail[lang] }));
        send(response, 200, { themes });
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        const member = caller(request.headers);
        let body = {};
        if (request.method === 'POST') {
          try {
            body = raw ? JSON.parse(raw) : {};
          } catch {
            throw new HttpError(400, 'bad_request', 'is not valid JSON', [{ field: 'body', rule: 'is not valid JSON' }]);
          }
        }
        calls.push({ method: request.method, path: url.pathname, username: member.username });
        send(response, 200, desk(request.method, url.pathname, url.searchParams, body, member));
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
    close: () => new Promise((done) => server.close(() => done())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
  const mock = await startMockServer({ port });
  console.log(`mock desk on ${mock.url} (sign in as ${STAFF[0].username} / ${STAFF[0].password})`);
}
