/** The one way the desktop talks to the desk API: bearer token in, one error shape out. */

export interface FieldError {
  readonly field: string;
  readonly rule: string;
}

/** Codes the desktop itself gives to failures that never reached a well-formed answer. */
export const CLIENT_CODES = {
  network: 'network',
  timeout: 'timeout',
  unexpected: 'unexpected_response',
} as const;

/**
 * An answer that was not a success, in the project's one error shape.
 *
 * `status` is 0 when no HTTP answer arrived at all.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: readonly FieldError[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type Query = Readonly<Record<string, string | number | null | undefined>>;

export interface ApiClientOptions {
  /** Origin (and optional prefix) the routes are relative to. */
  readonly baseUrl: string;
  /** The ID token to send, fresh enough to outlive the call. */
  readonly token: () => Promise<string>;
  readonly fetch?: typeof fetch;
  /** Called once per 401, so the desktop can ask the user to sign in again. */
  readonly onUnauthorised?: () => void;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldErrors(raw: unknown): FieldError[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.filter(isRecord).map((item) => ({
    field: typeof item['field'] === 'string' ? item['field'] : 'body',
    rule: typeof item['rule'] === 'string' ? item['rule'] : 'invalid',
  }));
}

/**
 * Turn a failed answer's body into an {@link ApiError}.
 *
 * A body that is not the project's error shape (a proxy's HTML page, say) still gives
 * an error named for its status, never the body's text.
 */
export function errorFromBody(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body['code'] === 'string') {
    const message = typeof body['message'] === 'string' ? body['message'] : body['code'];
    return new ApiError(status, body['code'], message, fieldErrors(body['errors']));
  }
  return new ApiError(status, CLIENT_CODES.unexpected, `the server answered ${status}`);
}

function urlOf(baseUrl: string, path: string, query: Query = {}): string {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(name, String(value));
    }
  }
  return url.href;
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class ApiClient {
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `GET path?query`, answering the parsed JSON body. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.send<T>('GET', urlOf(this.options.baseUrl, path, query));
  }

  /** `GET path?query` of a file the API answers (a CSV, say), as its bytes; errors as `get`. */
  async file(path: string, query?: Query): Promise<Blob> {
    const response = await this.exchange(urlOf(this.options.baseUrl, path, query), {
      method: 'GET',
      headers: { Accept: '*/*', Authorization: `Bearer ${await this.options.token()}` },
      cache: 'no-store',
    });
    if (!response.ok) {
      if (response.status === 401) {
        this.options.onUnauthorised?.();
      }
      throw errorFromBody(response.status, await bodyOf(response).catch(() => undefined));
    }
    return response.blob();
  }

  /**
   * `POST path` with a JSON body (none when `body` is undefined), answering the parsed
   * JSON body; `headers` adds to the request's own, e.g. an `Idempotency-Key`.
   */
  post<T>(path: string, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<T> {
    return this.send<T>('POST', urlOf(this.options.baseUrl, path), body, headers);
  }

  /** `PUT path` with a JSON body, answering the parsed JSON body. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', urlOf(this.options.baseUrl, path), body);
  }

  /**
   * `DELETE path?query`; with `keepalive` the request outlives the page, for a call made
   * as the user leaves (`pagehide`).
   */
  delete(path: string, query?: Query, keepalive = false): Promise<unknown> {
    return this.send('DELETE', urlOf(this.options.baseUrl, path, query), undefined, {}, keepalive);
  }

  private async send<T>(
    method: string,
    url: string,
    body?: unknown,
    extra: Readonly<Record<string, string>> = {},
    keepalive = false,
  ): Promise<T> {
    const headers: Record<string, string> = {
      ...extra,
      Accept: 'application/json',
      Authorization: `Bearer ${await this.options.token()}`,
    };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await this.exchange(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
      keepalive,
    });
    const parsed = await bodyOf(response).catch(() => undefined);
    if (response.status === 401) {
      this.options.onUnauthorised?.();
    }
    if (!response.ok) {
      throw errorFromBody(response.status, parsed);
    }
    if (response.status !== 204 && !isRecord(parsed) && !Array.isArray(parsed)) {
      throw new ApiError(response.status, CLIENT_CODES.unexpected, 'the answer is not JSON');
    }
    return parsed as T;
  }

  private async exchange(url: string, init: RequestInit): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await this.fetcher(url, { ...init, signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) {
        throw new ApiError(0, CLIENT_CODES.timeout, 'the server did not answer in time');
      }
      throw new ApiError(0, CLIENT_CODES.network, 'the server could not be reached', [], {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
