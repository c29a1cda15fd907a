import { describe, expect, it, vi } from 'vitest';

import { ApiError } from './client';
import { contentTypeOf, fileProblem, UPLOAD_ACCEPT, UPLOAD_MAX_BYTES, uploadName } from './files';
import { storageError, UPLOAD_CODES, uploadFile, uploadForm } from './upload';

const GRANT = {
  url: 'https://finestra-attachments.s3.example/',
  fields: { 'Content-Type': 'image/png', key: 'requests/BCN-2026-000121/att_1', policy: 'cG9saWN5', 'x-amz-signature': 'abc' },
};

function xml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

describe('uploadForm', () => {
  it('sends every field of the grant as given, and the file last', () => {
    const form = uploadForm(GRANT, new Blob(['png']), 'foto.png');
    expect([...form.keys()]).toEqual(['Content-Type', 'key', 'policy', 'x-amz-signature', 'file']);
    expect(form.get('key')).toBe('requests/BCN-2026-000121/att_1');
    expect((form.get('file') as File).name).toBe('foto.png');
  });
});

describe('uploadFile', () => {
  it('posts the form to the presigned URL with no token and no cookie', async () => {
    const fetcher = vi.fn(async () => new Response(null, { status: 204 }));
    await uploadFile(GRANT, new Blob(['png']), 'foto.png', { fetch: fetcher as unknown as typeof fetch });
    const [url, init] = fetcher.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(GRANT.url);
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('omit');
    expect(init.headers).toBeUndefined();
    expect(init.body).toBeInstanceOf(FormData);
  });

  it('turns the bucket’s XML refusal into an error the desk explains', async () => {
    const fetcher = vi.fn(async () => new Response(xml('EntityTooLarge', 'too big'), { status: 400 }));
    const error = await uploadFile(GRANT, new Blob(['png']), 'foto.png', { fetch: fetcher as unknown as typeof fetch }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(UPLOAD_CODES.size);
    expect((error as ApiError).status).toBe(400);
  });

  it('says the bucket could not be reached when the browser refuses the exchange', async () => {
    const fetcher = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const error = (await uploadFile(GRANT, new Blob(['x']), 'x.txt', { fetch: fetcher as unknown as typeof fetch }).catch(
      (caught: unknown) => caught,
    )) as ApiError;
    expect([error.status, error.code]).toEqual([0, 'network']);
  });

  it('gives up after its timeout', async () => {
    const fetcher = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const error = (await uploadFile(GRANT, new Blob(['x']), 'x.txt', {
      fetch: fetcher as unknown as typeof fetch,
      timeoutMs: 5,
    }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.code).toBe('timeout');
  });
});

describe('storageError', () => {
  it.each([
    ['EntityTooSmall', 'small', UPLOAD_CODES.size],
    ['AccessDenied', 'Invalid according to Policy: Policy expired.', UPLOAD_CODES.expired],
    ['AccessDenied', 'Invalid according to Policy: Extra input fields: x', UPLOAD_CODES.refused],
    ['SignatureDoesNotMatch', 'no', UPLOAD_CODES.refused],
  ])('reads %s (%s) as %s', (code, message, expected) => {
    expect(storageError(403, xml(code, message)).code).toBe(expected);
  });

  it('copes with a body that is not S3’s XML', () => {
    expect(storageError(502, '<html>Bad gateway</html>').code).toBe(UPLOAD_CODES.refused);
  });
});

describe('the files staff may add', () => {
  it('reads the type from the name when the browser gives none', () => {
    expect(contentTypeOf({ name: 'IMG_0042.HEIC', type: '' })).toBe('image/heic');
    expect(contentTypeOf({ name: 'notes', type: '' })).toBe('');
    expect(contentTypeOf({ name: 'x.pdf', type: 'application/pdf' })).toBe('application/pdf');
  });

  it('finds what the API would refuse before anything is sent', () => {
    expect(fileProblem({ name: 'a.pdf', type: 'application/pdf', size: 0 })).toBe('empty');
    expect(fileProblem({ name: 'a.exe', type: 'application/x-msdownload', size: 10 })).toBe('type');
    expect(fileProblem({ name: 'a.pdf', type: 'application/pdf', size: UPLOAD_MAX_BYTES + 1 })).toBe('too_large');
    expect(fileProblem({ name: 'a.pdf', type: 'application/pdf', size: UPLOAD_MAX_BYTES })).toBeNull();
  });

  it('makes a name the API takes: no slashes or control characters, at most 200 characters, the ending kept', () => {
    expect(uploadName('a/b\\c\u0007.png')).toBe('a_b_c_.png');
    const long = uploadName(`${'x'.repeat(300)}.jpeg`);
    expect(long).toHaveLength(200);
    expect(long.endsWith('.jpeg')).toBe(true);
    expect(uploadName('   ')).toBe('file');
  });

  it('offers the picker every type and ending the city keeps', () => {
    expect(UPLOAD_ACCEPT.split(',')).toEqual(expect.arrayContaining(['application/pdf', '.heic', '.mp4', 'text/plain']));
  });
});
