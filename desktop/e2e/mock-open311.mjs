// The Open311 client apps of the mock desk API, kept the way the desk API keeps them:
// administrators only, ids of 3 to 40 lower-case letters, digits or hyphens never handed
// out twice (revoked ones included), and a key answered once, at registration.

import { randomBytes } from 'node:crypto';

const APPS = '/api/desk/v1/open311/apps';
const REVOKE = /^\/api\/desk\/v1\/open311\/apps\/([^/]+)\/revoke$/;
const APP_ID = /^[a-z0-9-]{3,40}$/;
const FIELDS = new Set(['id', 'name']);

/**
 * The client apps, with one app the demo city registered a day before the server started.
 * `error(status, code, message, field)` builds the error to throw.
 */
export function createOpen311Apps({ error, started = Date.now() }) {
  const apps = new Map([
    ['demo-app', { id: 'demo-app', name: 'Finestra’s demo Open311 client app', registered_at: new Date(started - 86_400_000).toISOString(), revoked_at: null }],
  ]);
  const listed = () => [...apps.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((app) => ({ ...app }));

  const register = (body) => {
    const extra = Object.keys(body).find((key) => !FIELDS.has(key));
    if (extra !== undefined) {
      throw error(422, 'invalid_request', 'extra_forbidden', extra);
    }
    if (typeof body.id !== 'string' || !APP_ID.test(body.id)) {
      throw error(422, 'invalid_request', 'string_pattern_mismatch', 'id');
    }
    if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 120) {
      throw error(422, 'invalid_request', 'string_too_short', 'name');
    }
    if (apps.has(body.id)) {
      throw error(409, 'conflict', 'is taken by another client app', 'id');
    }
    const app = { id: body.id, name: body.name, registered_at: new Date().toISOString(), revoked_at: null };
    apps.set(app.id, app);
    return { app: { ...app }, api_key: `${app.id}.${randomBytes(18).toString('base64url')}` };
  };

  const revoke = (id) => {
    const app = apps.get(id);
    if (app === undefined) {
      throw error(404, 'not_found', 'is not a client app', 'app_id');
    }
    app.revoked_at ??= new Date().toISOString();
    return { ...app };
  };

  /** Answer the client-app routes; undefined for any other route. */
  const routes = (method, path, body, member, Answer) => {
    const revoking = method === 'POST' ? REVOKE.exec(path) : null;
    if (path !== APPS && revoking === null) {
      return undefined;
    }
    if (!member.roles.includes('administrator')) {
      throw error(403, 'forbidden', 'this needs the role administrator');
    }
    if (revoking !== null) {
      return revoke(decodeURIComponent(revoking[1]));
    }
    if (method === 'GET') {
      return { items: listed() };
    }
    if (method === 'POST') {
      return new Answer(201, register(body));
    }
    throw error(405, 'method_not_allowed', 'the request was refused');
  };

  return { apps, routes };
}
