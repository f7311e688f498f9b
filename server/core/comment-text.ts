/**
 * What a timed comment and a display name may contain. Browser-safe (no Node, no DOM): the server
 * judges every comment with it, and the watch page uses the same rules to count characters and to
 * refuse before sending. Pure; never throws.
 *
 * Lengths count Unicode code points after trimming and NFC normalisation, so "é" typed as one or
 * two code points, or an emoji (a surrogate pair in UTF-16), counts as what a person sees as one
 * character far more often than UTF-16 units would. Refused outright, never cleaned up silently:
 * control characters (C0, DEL, C1: newlines and tabs included, a comment is one line), the line
 * and paragraph separators, the bidi embeddings / overrides / isolates (U+202A–202E, U+2066–2069:
 * they let a name or text display reversed, "Trojan Source" style) and lone surrogates (not text).
 */
import { ErrorCode } from './errors.js';

/** Longest comment, code points. */
export const COMMENT_MAX_CHARS = 200;
/** Longest display name, code points. */
export const NAME_MAX_CHARS = 32;
/** The name of a viewer who gave none. */
export const DEFAULT_NAME = 'viewer';

export type TextVerdict =
  | { ok: true; value: string }
  | { ok: false; code: typeof ErrorCode.COMMENT_EMPTY | typeof ErrorCode.COMMENT_TOO_LONG | typeof ErrorCode.COMMENT_INVALID | typeof ErrorCode.NAME_INVALID; message: string };

const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]|[\uD800-\uDFFF]/u;
/**
 * Invisible format characters (zero-width spaces, word joiners, tag characters, bidi marks: a name
 * "Ad\u200Bmin" looks like "Admin"), all of \p{Cf} but what real text needs: the zero-width joiner
 * (emoji sequences), the non-joiner (Persian) and the directional marks (LRM, RLM, ALM in
 * right-to-left text); and more than four combining marks in a row ("Zalgo" text stacking over the
 * lines around).
 */
const DECEPTIVE = /(?![\u200C-\u200F\u061C])\p{Cf}|\p{M}{5,}/u;
/** Characters that draw nothing: a text made only of them (and spaces) is empty. */
const BLANK = /^[\s\p{M}\u115F\u1160\u2800\u3164\uFFA0\u200D]*$/u;

/** Code points in `s` (a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Trimmed and NFC-normalised: the form that is measured, stored and shown. */
function tidy(s: string): string {
  // normalize() cannot fail on a lone surrogate (it passes it through); FORBIDDEN catches it.
  return s.trim().normalize('NFC');
}

/** Why a comment text is refused, or the text to store. */
export function checkCommentText(raw: string): TextVerdict {
  const text = tidy(raw);
  if (BLANK.test(text)) return { ok: false, code: ErrorCode.COMMENT_EMPTY, message: 'the comment is empty' };
  const chars = codePointLength(text);
  if (chars > COMMENT_MAX_CHARS) {
    return { ok: false, code: ErrorCode.COMMENT_TOO_LONG, message: `a comment has at most ${COMMENT_MAX_CHARS} characters (this one ${chars})` };
  }
  if (FORBIDDEN.test(text) || DECEPTIVE.test(text)) {
    return { ok: false, code: ErrorCode.COMMENT_INVALID, message: 'a comment is one line of visible text: no control, line-separator, bidi, zero-width or stacked combining characters' };
  }
  return { ok: true, value: text };
}

/** The display name to store: DEFAULT_NAME when none (or only blanks) was given. */
export function checkDisplayName(raw: string | undefined): TextVerdict {
  const name = raw === undefined ? '' : tidy(raw);
  if (name.length === 0) return { ok: true, value: DEFAULT_NAME };
  if (BLANK.test(name) || DECEPTIVE.test(name)) return { ok: false, code: ErrorCode.NAME_INVALID, message: 'a name must be visible text: no zero-width, blank-filler or stacked combining characters' };
  if (codePointLength(name) > NAME_MAX_CHARS) {
    return { ok: false, code: ErrorCode.NAME_INVALID, message: `a name has at most ${NAME_MAX_CHARS} characters` };
  }
  if (FORBIDDEN.test(name)) return { ok: false, code: ErrorCode.NAME_INVALID, message: 'a name may not contain control, line-separator or bidi-override characters' };
  return { ok: true, value: name };
}
