/** ISO 8601 calendar date, optionally with a time (after `T` or a space) and a zone. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * A `Date` from an ISO 8601 string (`2024-05-01`, `2024-05-01T10:30:00Z`, `2024-05-01 10:30+0200`), or
 * `undefined` when the text is not one or names no real day (`2024-02-30`). A date without a time means midnight
 * UTC, as in `new Date('2024-05-01')`; a time without a zone is local time, as in `new Date(…)`. @internal
 */
export function parseIsoDate(text: string): Date | undefined {
  const match = ISO_DATE.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const [, year = '', month = '', day = '', time, zone] = match;
  const dayStart = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (dayStart.getUTCFullYear() !== Number(year) || dayStart.getUTCMonth() !== Number(month) - 1) {
    return undefined;
  }
  if (dayStart.getUTCDate() !== Number(day) || (time === undefined && zone !== undefined)) {
    return undefined;
  }
  if (time === undefined) {
    return dayStart;
  }
  const date = new Date(`${year}-${month}-${day}T${time.replace(',', '.')}${normalizeZone(zone)}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `Z`, `+02`, `+0200` and `+02:00` as `Z` or `+02:00`; no zone stays empty. */
function normalizeZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') {
    return zone === undefined ? '' : 'Z';
  }
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}
