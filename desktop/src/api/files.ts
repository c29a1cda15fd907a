/** The files staff may add to a request, as the desk API's attachments route allows them. */

/**
 * The kinds of file the city keeps, with the name endings that stand for each when the
 * browser does not say a file's type. The desk API refuses any other type (422).
 */
export const UPLOAD_TYPES: Readonly<Record<string, readonly string[]>> = {
  'application/pdf': ['pdf'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'image/heic': ['heic'],
  'text/plain': ['txt'],
  'audio/mpeg': ['mp3'],
  'video/mp4': ['mp4'],
};

/**
 * The largest file the desk API takes by default (`upload_max_bytes`, 10 MiB). A city
 * may configure another limit, which the API then enforces with a 422 on `size`.
 */
export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** The longest file name the API stores. */
export const FILENAME_MAX_LENGTH = 200;

export type FileProblem = 'empty' | 'too_large' | 'type';

interface Picked {
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

/** The file's type: the browser's, else the one its name's ending stands for, else ''. */
export function contentTypeOf(file: Pick<Picked, 'name' | 'type'>): string {
  if (file.type !== '') {
    return file.type;
  }
  const ending = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase();
  const found = Object.entries(UPLOAD_TYPES).find(([, endings]) => ending !== undefined && endings.includes(ending));
  return found?.[0] ?? '';
}

/** Why the API would refuse `file`, or `null` when it fits the rules. */
export function fileProblem(file: Picked, maxBytes = UPLOAD_MAX_BYTES): FileProblem | null {
  if (file.size < 1) {
    return 'empty';
  }
  if (!(contentTypeOf(file) in UPLOAD_TYPES)) {
    return 'type';
  }
  return file.size > maxBytes ? 'too_large' : null;
}

/**
 * The file's name as the API takes it: no slash, backslash or control character, at
 * most 200 characters, the ending kept when the name is cut.
 */
export function uploadName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what the API refuses
  const clean = name.replace(/[/\\\u0000-\u001f]/g, '_').trim() || 'file';
  if (clean.length <= FILENAME_MAX_LENGTH) {
    return clean;
  }
  const ending = /\.[A-Za-z0-9]{1,10}$/.exec(clean)?.[0] ?? '';
  return clean.slice(0, FILENAME_MAX_LENGTH - ending.length) + ending;
}

/** The `accept` attribute of a file picker that offers only the kinds the city keeps. */
export const UPLOAD_ACCEPT = [
  ...Object.keys(UPLOAD_TYPES),
  ...Object.values(UPLOAD_TYPES).flatMap((endings) => endings.map((ending) => `.${ending}`)),
].join(',');
