/** Saving what the desk API answered as a file on the user's computer, through a Blob. */

import { cityDate } from '../i18n/format';

/** `citizen-<id>-<day>.json`, the day on the city's clock; the id keeps only safe characters. */
export function exportFileName(citizenId: string, at: Date): string {
  return `citizen-${citizenId.replace(/[^A-Za-z0-9_-]/g, '_')}-${cityDate(at)}.json`;
}

/** The JSON text of an export as a Blob, indented so a person can read it. */
export function jsonBlob(data: unknown): Blob {
  return new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
}

/** How long the Blob's URL lives after the download starts. */
const URL_LIFETIME_MS = 60_000;

/** Start the browser's download of `blob` as `filename`. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), URL_LIFETIME_MS);
}
