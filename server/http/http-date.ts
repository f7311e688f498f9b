/**
 * HTTP-date parsing and formatting (RFC 9110 §5.6.7).
 *
 * Recipients MUST accept all three formats: IMF-fixdate, and the obsolete RFC 850 and asctime
 * forms. We parse them with exact patterns rather than Date.parse(), which accepts far more
 * (ISO strings, local time zones) and would make `If-Modified-Since` match dates a client never
 * meant. The weekday must be a valid name but is not cross-checked with the date, as in most
 * servers. Anything else is "not a valid HTTP-date" and the caller ignores the field.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '([0-9]{2}):([0-9]{2}):([0-9]{2})';

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY}, ([0-9]{2}) ${MON} ([0-9]{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(`^${LONG_DAY}, ([0-9]{2})-${MON}-([0-9]{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME = new RegExp(`^${DAY} ${MON} ([ 0-9][0-9]) ${TIME} ([0-9]{4})$`);

/** Builds a UTC timestamp, rejecting out-of-range fields such as `31 Feb` or `25:00:00`. */
function utc(year: number, month: number, day: number, h: number, m: number, s: number): number | undefined {
  // Seconds may be 60 for a leap second (§5.6.7 allows it); we fold it into the next minute.
  if (month < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return undefined;
  // setUTCFullYear, because Date.UTC() maps years 0–99 to 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  if (d.getUTCMonth() !== month || d.getUTCDate() !== day) return undefined;
  return d.getTime() + ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * RFC 850 has two-digit years: §5.6.7 says a year that appears more than 50 years in the
 * future is the most recent past year with the same last two digits.
 */
function expandTwoDigitYear(yy: number, nowMs: number): number {
  const current = new Date(nowMs).getUTCFullYear();
  let year = current - (current % 100) + yy;
  if (year > current + 50) year -= 100;
  return year;
}

/** Parses an HTTP-date to epoch milliseconds (whole seconds), or undefined when invalid. */
export function parseHttpDate(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let m = IMF_FIXDATE.exec(v);
  if (m) {
    return utc(Number(m[3]), MONTHS.indexOf(m[2] ?? ''), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = RFC850.exec(v);
  if (m) {
    const year = expandTwoDigitYear(Number(m[3]), nowMs);
    return utc(year, MONTHS.indexOf(m[2] ?? ''), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(v);
  if (m) {
    return utc(Number(m[6]), MONTHS.indexOf(m[1] ?? ''), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  }
  return undefined;
}

/** Formats epoch milliseconds as IMF-fixdate, the only format a sender may generate (§5.6.7). */
export function formatHttpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

/** HTTP dates have one-second resolution (§5.6.7); compare file times at that precision. */
export function toHttpSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
