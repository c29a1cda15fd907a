import { describe, expect, it } from 'vitest';

import { paths, routeOf } from '../router';
import { ApiError } from './client';
import { open311AppOf, open311AppsOf, orderProblem, registeredAppOf } from './open311Apps';

const ACTIVE = { id: 'fixmystreet', name: 'FixMyStreet', registered_at: '2026-03-14T19:41:08+00:00', revoked_at: null };
const REVOKED = { ...ACTIVE, id: 'barri-app', name: 'Barri', revoked_at: '2026-03-15T08:00:00+00:00' };

describe('the Open311 client apps’ answers', () => {
  it('reads the list, revoked apps with their time, sorted by id', () => {
    expect(open311AppsOf({ items: [ACTIVE, REVOKED] })).toEqual([REVOKED, ACTIVE]);
    expect(open311AppsOf({ items: [] })).toEqual([]);
  });

  it('takes an app without a revocation time as active', () => {
    const plain = { id: ACTIVE.id, name: ACTIVE.name, registered_at: ACTIVE.registered_at };
    expect(open311AppOf(plain).revoked_at).toBeNull();
  });

  it('refuses a list or an app it cannot read', () => {
    expect(() => open311AppsOf({ apps: [ACTIVE] })).toThrow(ApiError);
    expect(() => open311AppsOf({ items: [{ id: 'x' }] })).toThrow(/name/);
    expect(() => open311AppOf(null)).toThrow(ApiError);
  });

  it('reads a registration with its key, and refuses one without', () => {
    expect(registeredAppOf({ app: ACTIVE, api_key: 'fixmystreet.s3cr3t' })).toEqual({
      app: ACTIVE,
      api_key: 'fixmystreet.s3cr3t',
    });
    expect(() => registeredAppOf({ app: ACTIVE })).toThrow(/api_key/);
    expect(() => registeredAppOf({ app: ACTIVE, api_key: '' })).toThrow(ApiError);
  });
});

describe('a registration before it is sent', () => {
  it.each([
    [{ id: 'fixmystreet', name: 'FixMyStreet' }, null],
    [{ id: 'Fix My Street', name: 'FixMyStreet' }, 'id'],
    [{ id: 'ab', name: 'FixMyStreet' }, 'id'],
    [{ id: 'a'.repeat(41), name: 'FixMyStreet' }, 'id'],
    [{ id: 'fixmystreet', name: '   ' }, 'name'],
    [{ id: 'fixmystreet', name: 'x'.repeat(121) }, 'name'],
  ])('%o is refused at %s', (order, field) => {
    expect(orderProblem(order)).toBe(field);
  });
});

describe('the screen’s address', () => {
  it('is /open311-apps, and nothing below it', () => {
    expect(routeOf(paths.open311Apps())).toEqual({ screen: 'open311Apps' });
    expect(routeOf('/open311-apps/fixmystreet')).toEqual({ screen: 'missing' });
  });
});
