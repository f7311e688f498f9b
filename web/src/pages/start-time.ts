/**
 * The `t` of a link to a moment (`/play/<file>?t=1m30s`, `/watch/<id>?t=90`, `#t=90`): parsing it
 * and writing it back, pure. Accepted, case-insensitive, surrounding spaces ignored:
 *   - seconds: `90`, `90.5`;
 *   - units, each at most once and in this order: `1h2m3s`, `1m30s`, `1m30`, `2m`, `1h`, `1.5s`
 *     (a unit may overflow: `1m90s` is 150 s, as video sites read it);
 *   - a clock: `1:30`, `1:02:03`, `1:02:03.5` (minutes and seconds after the first part < 60);
 *   - the media-fragment forms (W3C Media Fragments URI 1.0 §4.2.1, temporal, NPT): `npt:90`,
 *     `10,20` (the start of the range is what counts), `,20` (from 0).
 * Anything else (negative, empty, `abc`, `1:75`, `Infinity`) is null: the caller ignores it.
 */

/** Length cap on a raw value: a real time is short; a longer one is not worth parsing. */
const MAX_RAW_LENGTH = 32;

const SECONDS = /^\d+(?:\.\d+)?$/;
const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/;
const CLOCK = /^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$/;

/** Seconds for a `t` value, or null when it is not a time. */
export function parseStartTime(raw: string): number | null {
  let s = raw.trim().toLowerCase();
  if (s === '' || s.length > MAX_RAW_LENGTH) return null;
  if (s.startsWith('npt:')) s = s.slice(4);
  if (s.includes(',')) {
    const [start = '', end = '', ...rest] = s.split(',');
    if (rest.length > 0 || (start === '' && parseStartTime(end) === null)) return null;
    if (start === '') return 0; // `t=,20`: from the beginning to 20 s
    s = start;
  }
  const sec = parseOne(s);
  return sec !== null && Number.isFinite(sec) ? sec : null;
}

function parseOne(s: string): number | null {
  if (SECONDS.test(s)) return Number(s);
  const clock = CLOCK.exec(s);
  if (clock) {
    const [, h, m, sec] = clock;
    const minutes = Number(m);
    const seconds = Number(sec);
    // `1:30` is minutes:seconds; with hours, minutes are < 60 too.
    if (seconds >= 60 || (h !== undefined && minutes >= 60)) return null;
    return Number(h ?? 0) * 3600 + minutes * 60 + seconds;
  }
  const units = UNITS.exec(s);
  if (!units) return null;
  const [, h, m, sec] = units;
  // Every part is optional in the pattern: the empty match is not a time.
  if (h === undefined && m === undefined && sec === undefined) return null;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(sec ?? 0);
}

export type StartTime =
  | { ok: true; sec: number; raw: string }
  | { ok: false; raw: string };

/**
 * The `t` of a page's address: the query's (`?t=90`) wins over the hash's (`#t=90`, which may sit
 * beside other hash parameters such as `token`); null when neither has one.
 */
export function startTimeFromUrl(search: string, hash: string): StartTime | null {
  const fromQuery = new URLSearchParams(search.replace(/^\?/, '')).get('t');
  const raw = fromQuery ?? new URLSearchParams(hash.replace(/^#/, '')).get('t');
  if (raw === null) return null;
  const sec = parseStartTime(raw);
  return sec === null ? { ok: false, raw } : { ok: true, sec, raw };
}

/** A position as a person reads it in a label, whole seconds down: 90.7 → "1:30", 3723 → "1:02:03". */
export function formatStartTime(sec: number): string {
  const whole = Math.max(0, Math.floor(Number.isFinite(sec) ? sec : 0));
  const h = Math.floor(whole / 3600);
  const m = Math.floor(whole / 60) % 60;
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A position as a `t` value in a URL: seconds, at most millisecond precision, no exponent. */
export function formatTParam(sec: number): string {
  const ms = Math.round(Math.max(0, sec) * 1000);
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3).replace(/0+$/, '');
}

/**
 * Where to start a file of `durationSec` for a requested `sec`: the time itself when it lies in
 * the file (or the duration is not known), else null (past the end: the caller starts at 0).
 */
export function clampStart(sec: number, durationSec: number): number | null {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return sec;
  return sec < durationSec ? sec : null;
}
