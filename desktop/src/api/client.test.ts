import { describe, expect, it, vi } from 'vitest';

import { ApiClient, ApiError, errorFromBody } from './client';

type Exchange = { url: string; init: RequestInit };

function fakeFetch(answer: (exchange: Exchange) => Response | Promise<Response>) {
  const seen: Exchange[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const exchange = { url: String(input), init: init ?? {} };
    seen.push(exchange);
    return answer(exchange);
  });
  return { fetcher: fetcher as unknown as typeof fetch, seen };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function client(fetcher: typeof fetch, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  return new ApiClient({ baseUrl: 'https://desk.example', token: async () => 'id-token-1', fetch: fetcher, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('ApiClient', () => {
  it('sends the ID token as a bearer token and answers the parsed body', async () => {
    const { fetcher, seen } = fakeFetch(() => json(200, { username: 'agent.eixample' }));
    const answer = await client(fetcher).get<{ username: string }>('/api/desk/v1/me');
    expect(answer.username).toBe('agent.eixample');
    expect(new Headers(seen[0]?.init.headers).get('Authorization')).toBe('Bearer id-token-1');
  });

  it('puts only the filled query parameters in the URL', async () => {
    const { fetcher, seen } = fakeFetch(() => json(200, { items: [] }));
    await client(fetcher).get('/api/desk/v1/worklist', { group: 'lighting', state: '', cursor: null, limit: 25, q: 'BCN 1' });
    const url = new URL(seen[0]?.url ?? '');
    expect([...url.searchParams.keys()].sort()).toEqual(['group', 'limit', 'q']);
    expect(url.searchParams.get('q')).toBe('BCN 1');
  });

  it('posts JSON', async () => {
    const { fetcher, seen } = fakeFetch(() => json(200, { ok: true }));
    await client(fetcher).post('/api/desk/v1/requests/BCN-1/notes', { text: 'Trucat al veí' });
    expect(seen[0]?.init.method).toBe('POST');
    expect(new Headers(seen[0]?.init.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ text: 'Trucat al veí' });
  });

  it('turns the project error body into an ApiError with its field errors', async () => {
    const { fetcher } = fakeFetch(() =>
      json(422, { code: 'invalid_request', message: 'some fields break the rules', errors: [{ field: 'reason', rule: 'missing' }] }),
    );
    const error = await failure(client(fetcher).post('/x', {}));
    expect(error.status).toBe(422);
    expect(error.code).toBe('invalid_request');
    expect(error.errors).toEqual([{ field: 'reason', rule: 'missing' }]);
  });

  it('names a non-JSON error answer by its status, without its text', async () => {
    const { fetcher } = fakeFetch(() => new Response('<html>Bad gateway: secret-host-42</html>', { status: 502 }));
    const error = await failure(client(fetcher).get('/x'));
    expect(error.status).toBe(502);
    expect(error.code).toBe('unexpected_response');
    expect(error.message).not.toContain('secret-host-42');
  });

  it('refuses a success that is not JSON', async () => {
    const { fetcher } = fakeFetch(() => new Response('<html>login page</html>', { status: 200 }));
    const error = await failure(client(fetcher).get('/x'));
    expect(error.code).toBe('unexpected_response');
  });

  it('reports an unreachable server as a network error', async () => {
    const { fetcher } = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await failure(client(fetcher).get('/x'));
    expect(error.status).toBe(0);
    expect(error.code).toBe('network');
  });

  it('gives up after the timeout', async () => {
    const fetcher = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      })) as typeof fetch;
    const error = await failure(client(fetcher, { timeoutMs: 20 }).get('/x'));
    expect(error.code).toBe('timeout');
  });

  it('tells the desktop once when the server answers 401', async () => {
    const onUnauthorised = vi.fn();
    const { fetcher } = fakeFetch(() => json(401, { code: 'unauthorised', message: 'no claims' }));
    const error = await failure(client(fetcher, { onUnauthorised }).get('/x'));
    expect(error.code).toBe('unauthorised');
    expect(onUnauthorised).toHaveBeenCalledTimes(1);
  });

  it('does not call the server when no token can be had', async () => {
    const { fetcher, seen } = fakeFetch(() => json(200, {}));
    const broken = client(fetcher, { token: () => Promise.reject(new Error('session over')) });
    await expect(broken.get('/x')).rejects.toThrow('session over');
    expect(seen).toHaveLength(0);
  });
});

describe('errorFromBody', () => {
  it('keeps only well-formed field errors', () => {
    const error = errorFromBody(422, { code: 'invalid_request', message: 'm', errors: [{ field: 'to' }, 'junk', null] });
    expect(error.errors).toEqual([{ field: 'to', rule: 'invalid' }]);
  });
});
