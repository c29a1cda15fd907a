import { describe, expect, it, vi } from 'vitest';

import { ApiClient, ApiError } from '../api/client';
import { DeskApi } from '../api/desk';
import { isLocked } from './LockBanner';

interface Sent {
  readonly url: URL;
  readonly method: string;
  readonly keepalive: boolean;
  readonly body: unknown;
}

function deskAnswering(status: number, answer?: unknown) {
  const sent: Sent[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ url: new URL(String(input)), method: init?.method ?? 'GET', keepalive: init?.keepalive ?? false, body: init?.body });
    const body = answer === undefined ? null : JSON.stringify(answer);
    return new Response(body, { status, headers: { 'Content-Type': 'application/json' } });
  });
  const client = new ApiClient({ baseUrl: 'https://desk.example', token: async () => 'id-token', fetch: fetcher });
  return { api: new DeskApi(client), sent };
}

const LOCK = { holder: 'u-1', holder_name: 'anna.puig', expires_at: '2026-03-14T19:51:08Z', mine: true };

describe('the lock calls of the desk API', () => {
  it('takes or renews a lock with a POST and no body', async () => {
    const { api, sent } = deskAnswering(200, LOCK);
    await expect(api.takeLock('BCN-2026-000121')).resolves.toEqual(LOCK);
    expect(sent.map(({ method, url, body }) => [method, url.pathname, body])).toEqual([
      ['POST', '/api/desk/v1/requests/BCN-2026-000121/lock', null],
    ]);
  });

  it('says a refusal is for the lock when the API answers locked', async () => {
    const { api } = deskAnswering(409, { code: 'locked', message: 'anna.puig is working on this request' });
    const refusal = await api.takeLock('BCN-2026-000121').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(isLocked(refusal)).toBe(true);
    expect(isLocked(new ApiError(409, 'conflict', 'changed'))).toBe(false);
    expect(isLocked(new Error('locked'))).toBe(false);
  });

  it('releases with a DELETE that a supervisor forces and a leaving page keeps alive', async () => {
    const { api, sent } = deskAnswering(204);
    await api.releaseLock('BCN-2026-000121');
    await api.releaseLock('BCN-2026-000121', { force: true });
    await api.releaseLock('BCN-2026-000121', { keepalive: true });
    expect(sent.map(({ method, url, keepalive }) => [method, url.pathname, url.search, keepalive])).toEqual([
      ['DELETE', '/api/desk/v1/requests/BCN-2026-000121/lock', '', false],
      ['DELETE', '/api/desk/v1/requests/BCN-2026-000121/lock', '?force=true', false],
      ['DELETE', '/api/desk/v1/requests/BCN-2026-000121/lock', '', true],
    ]);
  });
});
