/**
 * Masks credentials in any string that leaves the process: wire messages, API bodies, log lines.
 *
 * Source URLs carry secrets (`rtsp://admin:pw@cam/…`, `rtmp://host/app?key=…`, `srt://…?passphrase=`),
 * and ffmpeg / ffprobe repeat them in their error text and command lines. Rather than trust every
 * call site to strip them, everything that crosses the boundary goes through `maskSecrets`, which
 * combines two nets:
 *   1. patterns: `user:password@` userinfo (with or without a scheme in front, RFC 3986 §3.2.1),
 *      secret-looking query/option parameters (`token=`, `key=`, `password=`, `sig=` …), and
 *      `Authorization: Bearer/Basic …` headers;
 *   2. literals: the exact secrets the process knows (the control token, passwords taken from
 *      configured source URLs, also in their percent-decoded form), registered with `addSecret`,
 *      so a tool that prints a password in some other shape is still caught.
 * Log fields are walked (bounded, cycle-safe) by log-fields.ts, which masks each string here.
 * Pure apart from the literal set; written here (not a library) because it must know ffmpeg's
 * shapes and our own secrets, and it runs on every log line.
 */

/** Query / option names whose values are secrets (compared case-insensitively, `-`/`_` ignored). */
const SECRET_PARAM_NAMES = [
  'token', 'accesstoken', 'authtoken', 'key', 'apikey', 'streamkey', 'secret', 'clientsecret',
  'password', 'passwd', 'pass', 'pwd', 'passphrase', 'sig', 'signature', 'auth', 'authorization',
  'credential', 'credentials', 'session', 'sessionid', 'jwt', 'hmac',
  // Signed URLs of object stores and CDNs (S3, GCS, Akamai), SRT's stream id (it carries `s=` session secrets).
  'xamzsignature', 'xamzsecuritytoken', 'xamzcredential', 'xgoogsignature', 'xgoogcredential', 'authkey', 'hdnts', 'streamid',
];
export const MASK = '***';

const PARAM_RE = new RegExp(
  // name=value inside a query string (after ? or &), or as `name=value` / `name: value` in free text.
  `([?&;#\\s"'(]|^)((?:${SECRET_PARAM_NAMES.map((n) => n.split('').join('[-_]?')).join('|')}))(=|%3D)([^&\\s"';)]+)`,
  'gi',
);
/** scheme://userinfo@ — the userinfo ends at the last '@' before the path (passwords contain '@'). */
// The lookbehind anchors the scheme at its first character: without it the engine retries every
// suffix of a long run of letters, quadratic in the input (a hostile source controls ffmpeg's stderr).
const URL_USERINFO_RE = /(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/)([^/?#\s"']*:[^/?#\s"']*|[^/?#\s"':]+)@(?=[^\s"'/?#@]*(?:[/?#\s"']|$))/gi;
/** user:password@host without a scheme, as some tools print it ("admin:S3cret@10.0.0.1: …"). */
const BARE_USERINFO_RE = /(^|[\s"'(=,[])([^\s"'/:@()[\]=,]+):([^\s"'/@]+)@(?=[a-z0-9[])/gi;
const AUTH_HEADER_RE = /(authorization\s*[:=]\s*(?:bearer|basic|digest)?\s*)([^\s"',;]+)/gi;

const literals = new Set<string>();

/**
 * Remembers a secret so its literal text (and its percent-decoded form) is masked wherever it
 * appears. Short strings are refused: masking every "ab" would garble unrelated text.
 */
export function addSecret(secret: string | null | undefined): void {
  if (!secret || secret.length < 4) return;
  literals.add(secret);
  try {
    const decoded = decodeURIComponent(secret);
    if (decoded.length >= 4) literals.add(decoded);
  } catch {
    // not percent-encoded: the literal form is enough
  }
}

/** Registers the password and secret parameters of a source URL (configured channels). */
export function addSecretsFromUrl(url: string): void {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url)?.[1];
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    if (colon >= 0) addSecret(userinfo.slice(colon + 1));
  }
  for (const m of url.matchAll(PARAM_RE)) addSecret(m[4]);
}

/** Forgets every literal secret (tests). */
export function clearSecrets(): void {
  literals.clear();
}

/** The text with every credential it carries replaced by `***`. Never throws. */
export function maskSecrets(text: string): string {
  if (text.length === 0) return text;
  let out = text
    .replace(URL_USERINFO_RE, (_m, scheme: string) => `${scheme}${MASK}@`)
    .replace(BARE_USERINFO_RE, (_m, pre: string) => `${pre}${MASK}@`)
    .replace(PARAM_RE, (_m, pre: string, name: string, eq: string) => `${pre}${name}${eq}${MASK}`)
    .replace(AUTH_HEADER_RE, (_m, pre: string) => `${pre}${MASK}`);
  for (const secret of literals) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
