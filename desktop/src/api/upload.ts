/**
 * Sending a file straight to the attachments bucket, through the POST the desk API
 * presigned for it: the bucket, not the desk API, receives the bytes.
 */

import { ApiError, CLIENT_CODES } from './client';
import type { PresignedUpload } from './types';

/** Codes of an upload the bucket refused; the catalogues explain each. */
export const UPLOAD_CODES = {
  refused: 'upload_refused',
  expired: 'upload_expired',
  size: 'upload_size',
} as const;

/** A file of up to 10 MB on a slow counter connection still fits in five minutes. */
const UPLOAD_TIMEOUT_MS = 300_000;

/**
 * The multipart form of a presigned POST: every field the grant holds, as given, then
 * the file. S3 ignores whatever follows the file, so the file goes last.
 */
export function uploadForm(upload: PresignedUpload, file: Blob, filename: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) {
    form.append(name, value);
  }
  form.append('file', file, filename);
  return form;
}

function tag(xml: string, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
}

/**
 * The bucket's refusal (an S3 XML error document) as an {@link ApiError}.
 *
 * The bucket checks the grant's policy: a file larger or smaller than declared, a
 * grant past its expiry, or anything else the policy does not allow.
 */
export function storageError(status: number, body: string): ApiError {
  const code = tag(body, 'Code');
  const message = tag(body, 'Message');
  if (code === 'EntityTooLarge' || code === 'EntityTooSmall') {
    return new ApiError(status, UPLOAD_CODES.size, `the bucket refused the file's size (${code})`);
  }
  if (code === 'AccessDenied' && /expired/i.test(message)) {
    return new ApiError(status, UPLOAD_CODES.expired, 'the upload grant expired');
  }
  return new ApiError(status, UPLOAD_CODES.refused, `the bucket refused the upload (${code || status})`);
}

export interface UploadOptions {
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/**
 * POST `file` to the presigned URL with exactly the grant's fields.
 *
 * No token and no cookie go with it: the grant's signature is the only credential the
 * bucket takes, and it refuses a request that carries a second one.
 */
export async function uploadFile(
  upload: PresignedUpload,
  file: Blob,
  filename: string,
  options: UploadOptions = {},
): Promise<void> {
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? UPLOAD_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetcher(upload.url, {
      method: 'POST',
      body: uploadForm(upload, file, filename),
      credentials: 'omit',
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) {
      throw new ApiError(0, CLIENT_CODES.timeout, 'the bucket did not answer in time');
    }
    throw new ApiError(0, CLIENT_CODES.network, 'the bucket could not be reached', [], { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    throw storageError(response.status, await response.text().catch(() => ''));
  }
}
