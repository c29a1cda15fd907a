/** Dates, numbers, money and distances in the chosen language, through `Intl`. */

import type { Language } from '../api/types';

export const LOCALES: Readonly<Record<Language, string>> = {
  ca: 'ca-ES',
  es: 'es-ES',
  en: 'en-GB',
};

/** The city's own clock: every time on the desk reads as Barcelona's. */
export const CITY_TIME_ZONE = 'Europe/Madrid';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['day', DAY],
  ['hour', HOUR],
  ['minute', MINUTE],
];

function instant(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`not an ISO-8601 time: ${iso}`);
  }
  return date;
}

/** Day and time, e.g. "5 Mar 2026, 11:30" in en-GB. */
export function formatDateTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: CITY_TIME_ZONE,
  }).format(instant(iso));
}

/** Day only, e.g. "5 Mar 2026". */
export function formatDate(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeZone: CITY_TIME_ZONE }).format(
    instant(iso),
  );
}

/** A point as latitude and longitude, to about a metre. */
export function formatCoordinates(lat: number, lon: number, language: Language): string {
  const format = new Intl.NumberFormat(LOCALES[language], { minimumFractionDigits: 5, maximumFractionDigits: 5 });
  return `${format.format(lat)}; ${format.format(lon)}`;
}

/** Time of day only, e.g. "11:30". */
export function formatTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { timeStyle: 'short', timeZone: CITY_TIME_ZONE }).format(
    instant(iso),
  );
}

/** A span of seconds from now, signed: negative is the past ("3 hours ago"). */
export function formatDuration(seconds: number, language: Language): string {
  const format = new Intl.RelativeTimeFormat(LOCALES[language], { numeric: 'auto' });
  const size = Math.abs(seconds);
  for (const [unit, length] of STEPS) {
    if (size >= length) {
      return format.format(Math.trunc(seconds / length), unit);
    }
  }
  return format.format(0, 'minute');
}

/** How far `iso` lies from `now`, e.g. "in 2 hours" or "yesterday". */
export function formatRelative(iso: string, now: Date, language: Language): string {
  return formatDuration((instant(iso).getTime() - now.getTime()) / 1000, language);
}

/** A count or measure with the language's separators. */
export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language]).format(value);
}

/** A price in euros; SMS prices need up to four decimals. */
export function formatCost(euros: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'currency',
    currency: 'EUR',
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(euros);
}

/** A distance in metres, or kilometres past one. */
export function formatDistance(metres: number, language: Language): string {
  const kilometres = metres >= 1000;
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'unit',
    unit: kilometres ? 'kilometer' : 'meter',
    maximumFractionDigits: kilometres ? 1 : 0,
  }).format(kilometres ? metres / 1000 : metres);
}

/** Items joined as the language lists them ("ca, es i en"). */
export function formatList(items: readonly string[], language: Language): string {
  return new Intl.ListFormat(LOCALES[language], { style: 'long', type: 'conjunction' }).format(items);
}

/** Which plural form a count takes in the language. */
export function pluralOf(count: number, language: Language): Intl.LDMLPluralRule {
  return new Intl.PluralRules(LOCALES[language]).select(count);
}

/** A file size, e.g. "2.4 MB" or "830 kB" (1 kB is 1,024 bytes here). */
export function formatBytes(bytes: number, language: Language): string {
  const steps: ReadonlyArray<readonly [string, number]> = [
    ['megabyte', 1024 * 1024],
    ['kilobyte', 1024],
  ];
  const [unit, size] = steps.find(([, step]) => bytes >= step) ?? ['byte', 1];
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: size === 1 ? 0 : 1,
  }).format(bytes / size);
}

const DAY_MS = 24 * 3600_000;
const CITY_CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: CITY_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function cityWall(at: number): { day: string; ms: number } {
  const parts = Object.fromEntries(CITY_CLOCK.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  const [year, month, day] = [Number(parts['year']), Number(parts['month']), Number(parts['day'])];
  const wall = Date.UTC(year, month - 1, day, Number(parts['hour']), Number(parts['minute']), Number(parts['second']));
  return { day: `${parts['year']}-${parts['month']}-${parts['day']}`, ms: wall + (at % 1000) };
}

function dayOf(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (match === null) {
    throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  }
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** The day (YYYY-MM-DD) it is on the city's clock at `at`. */
export function cityDate(at: Date): string {
  return cityWall(at.getTime()).day;
}

/** The instant a day (YYYY-MM-DD) begins on the city's clock, summer time or not. */
export function cityDayStart(day: string): Date {
  const midnight = dayOf(day);
  let at = midnight;
  for (let round = 0; round < 2; round += 1) {
    at = midnight - (cityWall(at).ms - at);
  }
  return new Date(at);
}

/** The last millisecond of a day (YYYY-MM-DD) on the city's clock. */
export function cityDayEnd(day: string): Date {
  const next = new Date(dayOf(day) + DAY_MS).toISOString().slice(0, 10);
  return new Date(cityDayStart(next).getTime() - 1);
}
