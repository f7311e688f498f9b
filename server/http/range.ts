/**
 * Pure parser for the `Range` request header (RFC 9110 §14.1–§14.2), bytes unit only.
 *
 * The result tells the caller what to send; it never touches I/O:
 * - `none`          → no usable Range: serve 200 with the whole file (§14.2: a server MAY ignore
 *                     Range; a syntactically invalid one or another unit MUST be ignored).
 * - `unsatisfiable` → 416 with `Content-Range: bytes * /size` (§15.5.17).
 * - `ranges`        → 206; inclusive, clamped, sorted and coalesced byte ranges (§15.3.7).
 * - `whole`         → valid but abusive (too many, or overlapping more than the file itself):
 *                     serve 200 whole, as §14.2 lets a server ignore such a Range.
 *
 * Policy choices (documented here because the RFC leaves them open or the product overrides it):
 * - `first-pos > last-pos` (`bytes=5-2`) makes that range-spec invalid per §14.1.1. Rather than
 *   ignoring the whole header we treat the spec as unsatisfiable, like a spec past the end: alone
 *   it yields 416, mixed with satisfiable specs it is dropped.
 * - Empty list elements (`bytes=0-1,,3-4`) are skipped, as §5.6.1.2 asks recipients of a list to
 *   do; any other element that is not `digits-digits`, `digits-` or `-digits` voids the header.
 * - Positions beyond Number.MAX_SAFE_INTEGER are never wrapped or rounded down: such a first-pos
 *   is past any real file (unsatisfiable); such a last-pos or suffix-length clamps to the file.
 * - A zero-length file: §14.1.1 calls a suffix range with a non-zero length satisfiable there, but
 *   no 206 can carry it (Content-Range has no form for zero bytes), so such a Range is ignored and
 *   the caller sends 200 with length 0. Any other range on an empty file is unsatisfiable (416).
 * - Parts are returned in the order their range-specs first appeared, after coalescing overlapping
 *   or adjacent ones (§15.3.7.2: a server SHOULD keep the requested order).
 * - Range units are case-insensitive (§14.1), so `Bytes=0-1` is honoured.
 */

export interface ByteRange {
  /** First byte offset, inclusive. */
  start: number;
  /** Last byte offset, inclusive (like Content-Range, §14.4). */
  end: number;
}

export type RangeResult =
  | { kind: 'none' }
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges'; ranges: ByteRange[] }
  | { kind: 'whole'; reason: 'too-many' | 'too-large' };

/** Above this many range-specs we serve the whole file: §14.2 and §17.15 (range abuse). */
export const MAX_RANGES = 16;

/** One syntactically valid range-spec before it meets the file size. */
type Spec =
  | { type: 'int'; first: number; last: number | undefined } // `a-b` or `a-`
  | { type: 'suffix'; length: number }; // `-n`

/** Optional whitespace (SP / HTAB) allowed around list commas, §5.6.1 and §5.6.3. */
const LIST_SPLIT = /[ \t]*,[ \t]*/;
const INT_RANGE = /^([0-9]+)-([0-9]*)$/;
const SUFFIX_RANGE = /^-([0-9]+)$/;

/**
 * Digits to a number without ever wrapping: anything above MAX_SAFE_INTEGER (which also covers
 * strings so long that Number() would round or overflow to Infinity) maps to Infinity, so callers
 * compare it correctly against any real size.
 */
function toPosition(digits: string): number {
  const n = Number(digits);
  return n <= Number.MAX_SAFE_INTEGER ? n : Number.POSITIVE_INFINITY;
}

/** Splits `range-set` into specs, or returns undefined when any element is malformed. */
function parseRangeSet(set: string): Spec[] | undefined {
  const specs: Spec[] = [];
  for (const element of set.trim().split(LIST_SPLIT)) {
    if (element === '') continue; // empty list element, §5.6.1.2
    const int = INT_RANGE.exec(element);
    if (int) {
      const last = int[2] === '' || int[2] === undefined ? undefined : toPosition(int[2]);
      specs.push({ type: 'int', first: toPosition(int[1] ?? ''), last });
      continue;
    }
    const suffix = SUFFIX_RANGE.exec(element);
    if (suffix) {
      specs.push({ type: 'suffix', length: toPosition(suffix[1] ?? '') });
      continue;
    }
    return undefined;
  }
  return specs.length > 0 ? specs : undefined;
}

/** Maps one spec onto a file of `size` bytes; undefined when it selects nothing (§14.1.1). */
function satisfy(spec: Spec, size: number): ByteRange | undefined {
  if (size === 0) return undefined;
  if (spec.type === 'suffix') {
    if (spec.length === 0) return undefined; // `-0` selects nothing
    // "If the selected representation is shorter than the specified suffix-length,
    // the entire representation is used" (§14.1.2).
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.last !== undefined && spec.first > spec.last) return undefined; // see policy above
  if (spec.first >= size) return undefined; // also catches an Infinity first-pos
  const end = spec.last === undefined ? size - 1 : Math.min(spec.last, size - 1);
  return { start: spec.first, end };
}

/**
 * Merges overlapping or adjacent ranges (§15.3.7.2 allows coalescing) and keeps the merged groups
 * in the order their earliest member was requested (§15.3.7.2: parts SHOULD follow that order).
 */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.map((r, index) => ({ ...r, index })).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Array<ByteRange & { index: number }> = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + 1) {
      last.end = Math.max(last.end, r.end);
      last.index = Math.min(last.index, r.index);
    } else {
      merged.push({ ...r });
    }
  }
  return merged.sort((a, b) => a.index - b.index).map(({ start, end }) => ({ start, end }));
}

/**
 * Parses a `Range` header value against a representation of `size` bytes.
 * `size` must be a non-negative safe integer (a file size from fs.Stats).
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeResult {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`parseRangeHeader: size must be a non-negative safe integer, got ${size}`);
  }
  if (header === undefined) return { kind: 'none' };
  const eq = header.indexOf('=');
  if (eq === -1) return { kind: 'none' };
  // Only the bytes unit is defined for files; other units are ignored (§14.1).
  if (header.slice(0, eq).toLowerCase() !== 'bytes') return { kind: 'none' };

  const specs = parseRangeSet(header.slice(eq + 1));
  if (!specs) return { kind: 'none' };
  if (specs.length > MAX_RANGES) return { kind: 'whole', reason: 'too-many' };

  const satisfiable: ByteRange[] = [];
  let total = 0;
  for (const spec of specs) {
    const r = satisfy(spec, size);
    if (!r) continue; // unsatisfiable specs are dropped when others remain (§14.1.1)
    satisfiable.push(r);
    total += r.end - r.start + 1;
  }
  if (satisfiable.length === 0) {
    // See the zero-length policy above: a satisfiable suffix range that no 206 can express.
    if (size === 0 && specs.some((s) => s.type === 'suffix' && s.length > 0)) return { kind: 'none' };
    return { kind: 'unsatisfiable' };
  }
  // Asking for more bytes than the file holds means heavy overlap: a cheap amplification
  // vector (§17.15), so answer with one plain copy of the file instead.
  if (total > size) return { kind: 'whole', reason: 'too-large' };
  return { kind: 'ranges', ranges: coalesce(satisfiable) };
}
