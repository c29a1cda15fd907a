/** A campaign's start as the composer edits it: a wall-clock time on the city's clock. */

const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/;
const CITY_PARTS = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Madrid',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `YYYY-MM-DDTHH:MM` on the city's clock as an ISO-8601 UTC time, or null when empty or malformed. */
export function cityTimeToIso(local: string): string | null {
  const found = LOCAL.exec(local);
  if (!found) {
    return null;
  }
  const wanted = Date.parse(`${local}:00Z`);
  if (Number.isNaN(wanted)) {
    return null;
  }
  let at = wanted;
  for (let round = 0; round < 2; round += 1) {
    at = wanted - (Date.parse(`${isoToCityTime(new Date(at).toISOString())}:00Z`) - at);
  }
  return new Date(at).toISOString();
}

/** An ISO-8601 time as `YYYY-MM-DDTHH:MM` on the city's clock, for a `datetime-local` input. */
export function isoToCityTime(iso: string | null): string {
  if (iso === null) {
    return '';
  }
  const parts = Object.fromEntries(CITY_PARTS.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}`;
}

/** Whether an SMS sent at `iso` falls in the city's quiet hours (21:00 to 09:00). */
export function inQuietHours(iso: string): boolean {
  const hour = Number(isoToCityTime(iso).slice(11, 13));
  return hour >= 21 || hour < 9;
}
