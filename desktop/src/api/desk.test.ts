import { describe, expect, it, vi } from 'vitest';

import { ApiClient } from './client';
import { ACCESS_PAGE_SIZE, DeskApi } from './desk';

type Exchange = { url: URL; method: string; headers: Headers; body: unknown };

function desk(answer: unknown = {}, status = 200) {
  const seen: Exchange[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push({
      url: new URL(String(input)),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body,
    });
    return new Response(JSON.stringify(answer), { status, headers: { 'Content-Type': 'application/json' } });
  });
  const client = new ApiClient({ baseUrl: 'https://desk.example', token: async () => 'id-token', fetch: fetcher });
  return { api: new DeskApi(client), seen };
}

describe('DeskApi’s case-work routes', () => {
  it('asks leave to upload a file with its name, type and size', async () => {
    const grant = { upload: { url: 'https://bucket.example', fields: { key: 'requests/BCN-2026-000121/att_1' } }, attachment_id: 'att_1' };
    const { api, seen } = desk(grant, 201);
    const answer = await api.attach('BCN-2026-000121', { filename: 'foto.png', content_type: 'image/png', size: 70 });
    expect(answer).toEqual(grant);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/requests/BCN-2026-000121/attachments');
    expect(seen[0]?.body).toEqual({ filename: 'foto.png', content_type: 'image/png', size: 70 });
  });

  it('asks for a file’s download link by the request and the file’s id', async () => {
    const link = {
      url: 'https://bucket.example/requests/BCN-2026-000121/att_1?X-Amz-Expires=300',
      expires_at: '2026-03-14T19:46:08Z',
      filename: 'foto.jpg',
      content_type: 'image/jpeg',
      size: 70,
    };
    const { api, seen } = desk(link);
    const answer = await api.attachmentLink('BCN-2026-000121', 'att_01JQ9A00000000000000000121');
    expect(answer).toEqual(link);
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/requests/BCN-2026-000121/attachments/att_01JQ9A00000000000000000121');
    expect(seen[0]?.headers.get('Authorization')).toBe('Bearer id-token');
  });

  it('gives a file whose upload never finished as a 409 with its code', async () => {
    const { api } = desk({ code: 'upload_incomplete', message: 'the file is listed but its upload did not complete; add it again' }, 409);
    await expect(api.attachmentLink('BCN-2026-000121', 'att_01JQ9A00000000000000000121')).rejects.toMatchObject({
      status: 409,
      code: 'upload_incomplete',
    });
  });

  it('corrects a theme with the reason', async () => {
    const { api, seen } = desk({ reference: 'BCN-2026-000121', group: 'paving' });
    const summary = await api.correctTheme('BCN-2026-000121', 'roads.pothole', 'És un sot');
    expect(summary.group).toBe('paving');
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/requests/BCN-2026-000121/theme');
    expect(seen[0]?.body).toEqual({ theme: 'roads.pothole', reason: 'És un sot' });
  });

  it('logs a call with the form’s idempotency key, so a retry opens one request', async () => {
    const { api, seen } = desk({ reference: 'BCN-2026-000200', state: 'pending_validation' }, 201);
    const order = { channel: 'voice', theme: 'lighting.streetlight-off', description: 'Fanal apagat' } as const;
    await api.logContact(order, 'key-1');
    await api.logContact(order, 'key-1');
    expect(seen.map((exchange) => exchange.url.pathname)).toEqual(['/api/desk/v1/requests', '/api/desk/v1/requests']);
    expect(seen.map((exchange) => exchange.headers.get('Idempotency-Key'))).toEqual(['key-1', 'key-1']);
    expect(seen[0]?.headers.get('Authorization')).toBe('Bearer id-token');
    expect(seen[0]?.body).toEqual(order);
  });
});

describe('DeskApi’s citizen duties', () => {
  it('merges one citizen into another and undoes it with the merge id alone', async () => {
    const { api, seen } = desk({ merge_id: 'mrg_01JQ8Z0000000000000000000A', state: 'done' });
    const merge = await api.mergeCitizens('cit_A', 'cit_B', 'Mateixa persona');
    await api.undoMerge(merge.merge_id);
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/citizens/merge');
    expect(seen[0]?.body).toEqual({ survivor: 'cit_A', merged: 'cit_B', reason: 'Mateixa persona' });
    expect(seen[1]?.method).toBe('POST');
    expect(seen[1]?.url.pathname).toBe('/api/desk/v1/citizens/merges/mrg_01JQ8Z0000000000000000000A/undo');
    expect(seen[1]?.body).toBeNull();
    expect(seen[1]?.headers.has('Content-Type')).toBe(false);
  });

  it('exports with a GET and erases with the reason', async () => {
    const { api, seen } = desk({ citizen_id: 'cit_A', exported_at: '2026-03-02T10:00:00Z' });
    expect((await api.exportCitizen('cit_A')).citizen_id).toBe('cit_A');
    await api.eraseCitizen('cit_A', 'Registre 2026/1234');
    expect([seen[0]?.method, seen[0]?.url.pathname]).toEqual(['GET', '/api/desk/v1/citizens/cit_A/export']);
    expect([seen[1]?.method, seen[1]?.url.pathname]).toEqual(['POST', '/api/desk/v1/citizens/cit_A/erasure']);
    expect(seen[1]?.body).toEqual({ reason: 'Registre 2026/1234' });
  });

  it('reads the access log with only the filters given, its cursor and page size', async () => {
    const { api, seen } = desk({ items: [], next_cursor: null });
    await api.accessLog({ citizen_id: 'cit_A', since: '2026-02-28T23:00:00.000Z' }, null);
    await api.accessLog({ user_id: 'u-1' }, 'next.page', 10);
    const [first, second] = seen.map((exchange) => Object.fromEntries(exchange.url.searchParams));
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/access-log');
    expect(first).toEqual({ citizen_id: 'cit_A', since: '2026-02-28T23:00:00.000Z', limit: String(ACCESS_PAGE_SIZE) });
    expect(second).toEqual({ user_id: 'u-1', cursor: 'next.page', limit: '10' });
  });

  it('puts ids into the path safely', async () => {
    const { api, seen } = desk({});
    await api.exportCitizen('cit/../../me');
    expect(seen[0]?.url.pathname).toBe('/api/desk/v1/citizens/cit%2F..%2F..%2Fme/export');
  });
});
