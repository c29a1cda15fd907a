/**
 * The Open311 client apps as the desk API sends them (administrators only), checked before
 * the desktop shows them: a key is shown once, so an answer without one must not pass.
 */

import { ApiError, CLIENT_CODES } from './client';

/** A registered client app; `revoked_at` is null while its key is accepted. */
export interface Open311App {
  readonly id: string;
  readonly name: string;
  readonly registered_at: string;
  readonly revoked_at: string | null;
}

/** What registering answers: the app and its key, never shown again. */
export interface RegisteredApp {
  readonly app: Open311App;
  readonly api_key: string;
}

export interface Open311AppOrder {
  readonly id: string;
  readonly name: string;
}

/** The rule the desk API holds an app id to: it starts the key and is never reused. */
export const APP_ID = /^[a-z0-9-]{3,40}$/;
export const APP_NAME_MAX = 120;

type Wire = Readonly<Record<string, unknown>>;

function isWire(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(what: string): ApiError {
  return new ApiError(200, CLIENT_CODES.unexpected, `the answer has no ${what}`);
}

function text(wire: Wire, field: string): string {
  const value = wire[field];
  if (typeof value !== 'string' || value === '') {
    throw unexpected(field);
  }
  return value;
}

/** One app of an answer; an answer that lacks its id, name or time is refused. */
export function open311AppOf(raw: unknown): Open311App {
  if (!isWire(raw)) {
    throw unexpected('app');
  }
  const revoked = raw['revoked_at'];
  return {
    id: text(raw, 'id'),
    name: text(raw, 'name'),
    registered_at: text(raw, 'registered_at'),
    revoked_at: typeof revoked === 'string' && revoked !== '' ? revoked : null,
  };
}

/** The list under `items`, sorted by id as the API sorts it. */
export function open311AppsOf(page: unknown): Open311App[] {
  const items = isWire(page) ? page['items'] : undefined;
  if (!Array.isArray(items)) {
    throw unexpected('items');
  }
  return items.map(open311AppOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A registration's answer, which must carry the key. */
export function registeredAppOf(raw: unknown): RegisteredApp {
  if (!isWire(raw)) {
    throw unexpected('app');
  }
  return { app: open311AppOf(raw['app']), api_key: text(raw, 'api_key') };
}

/** The first field of a registration the API would refuse, or null when both are fine. */
export function orderProblem(order: Open311AppOrder): 'id' | 'name' | null {
  if (!APP_ID.test(order.id)) {
    return 'id';
  }
  const name = order.name.trim();
  return name === '' || name.length > APP_NAME_MAX ? 'name' : null;
}
