/**
 * Turns whatever a call site passes as log fields into a plain, bounded, JSON-safe value with
 * every string masked (redact.ts), so a log call can neither leak a credential nor throw nor
 * hang: cycles, BigInts, getters that throw, Buffers, Errors and megabyte strings all come out
 * as something small and printable.
 *
 * Pure (apart from the literal secrets redact.ts knows); the logger (log.ts) runs it from pino's
 * `formatters.log`, i.e. only for lines that pass the level filter.
 */
import { maskSecrets } from './redact.js';

/** Caps per line. Generous for real fields (an ffmpeg command line or stderr tail is 1–4 KiB). */
export const LIMITS = {
  /** Characters kept of one string (message, field value, stack), after masking. */
  string: 8 * 1024,
  /** Characters of all strings in one line together; past it strings are cut to a stub. */
  total: 64 * 1024,
  /** Nesting depth below the top-level fields object. */
  depth: 6,
  /** Keys kept per object and items per array. */
  width: 100,
  /** Values visited per line (objects, arrays and leaves together). */
  nodes: 2_000,
} as const;

/**
 * Masking runs on a slice a little longer than what is kept, then the masked text is cut: cutting
 * first could split `user:pass@host` before its `@` and leave half a password unmasked.
 */
const MASK_MARGIN = 1024;

interface Budget {
  chars: number;
  nodes: number;
  readonly seen: WeakSet<object>;
}

function newBudget(): Budget {
  return { chars: LIMITS.total, nodes: LIMITS.nodes, seen: new WeakSet() };
}

/** A masked string of at most `LIMITS.string` characters (and within the line's budget). */
export function boundedMask(text: string, budget: Budget = newBudget()): string {
  const keep = Math.max(0, Math.min(LIMITS.string, budget.chars));
  const masked = maskSecrets(text.length > keep + MASK_MARGIN ? text.slice(0, keep + MASK_MARGIN) : text);
  const out = masked.length > keep ? `${masked.slice(0, keep)}…[${text.length} chars]` : masked;
  budget.chars -= Math.min(out.length, budget.chars);
  return out;
}

function describeBinary(value: ArrayBufferView | ArrayBuffer): string {
  const name = Buffer.isBuffer(value) ? 'Buffer' : value.constructor?.name ?? 'binary';
  // Contents are never logged: they may be media or a client's frame.
  return `[${name} ${value.byteLength} bytes]`;
}

/** Error → `{ type, message, stack, code?, cause? }`, every string masked. */
function errorFields(err: Error, depth: number, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = { type: String(err.name), message: boundedMask(String(err.message), budget) };
  if (typeof err.stack === 'string') out['stack'] = boundedMask(err.stack, budget);
  // Own fields such as `code`, `exitCode` or an ffmpeg `stderrTail`, then the `cause` chain.
  for (const key of Object.keys(err).slice(0, LIMITS.width)) {
    if (!Object.hasOwn(out, key)) setKey(out, key, walk(readProperty(err, key), depth + 1, budget));
  }
  const { cause } = err as Error & { cause?: unknown };
  if (cause !== undefined && !Object.hasOwn(out, 'cause')) out['cause'] = walk(cause, depth + 1, budget);
  return out;
}

function walk(value: unknown, depth: number, budget: Budget): unknown {
  try {
    return walkValue(value, depth, budget);
  } catch (err) {
    // A Proxy whose traps throw, a Map subclass with a broken iterator…: name it, keep the line.
    return `[unreadable: ${boundedMask(err instanceof Error ? err.message : String(err), budget)}]`;
  }
}

function walkValue(value: unknown, depth: number, budget: Budget): unknown {
  if (--budget.nodes < 0) return '[too many values]';
  switch (typeof value) {
    case 'string':
      return boundedMask(value, budget);
    case 'number':
      // JSON has no NaN/Infinity; a string keeps the information.
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return boundedMask(value.toString(), budget);
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  // `seen` holds the ancestors of this value only: a cycle is cut, an object shared by two
  // fields is written twice (the node budget bounds that).
  if (budget.seen.has(obj)) return '[circular]';
  if (depth > LIMITS.depth) return '[too deep]';
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return describeBinary(obj);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof URL) return boundedMask(obj.href, budget);
  budget.seen.add(obj);
  try {
    return obj instanceof Error ? errorFields(obj, depth, budget) : walkContainer(obj, depth, budget);
  } finally {
    budget.seen.delete(obj);
  }
}

/** Arrays and Sets → arrays, Maps and other objects → plain objects, cut at LIMITS.width. */
function walkContainer(obj: object, depth: number, budget: Budget): unknown {
  if (Array.isArray(obj) || obj instanceof Set) {
    const size = Array.isArray(obj) ? obj.length : obj.size;
    const out = take(obj.values(), LIMITS.width).map((v) => walk(v, depth + 1, budget) ?? null);
    if (size > LIMITS.width) out.push(`…[${size - LIMITS.width} more]`);
    return out;
  }
  const entries: Array<[unknown, unknown]> = obj instanceof Map
    ? take(obj.entries(), LIMITS.width + 1)
    : Object.keys(obj).slice(0, LIMITS.width + 1).map((k) => [k, readProperty(obj, k)]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, LIMITS.width)) setKey(out, boundedMask(String(k), budget), walk(v, depth + 1, budget));
  if (entries.length > LIMITS.width) out['…'] = 'more keys';
  return out;
}

/** The first `n` values of an iterator, without spreading a huge collection. */
function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let r = it.next(); !r.done && out.length < n; r = it.next()) out.push(r.value);
  return out;
}

/** Plain assignment of `__proto__` would replace the prototype instead of adding a field. */
function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A getter may throw: the field says so instead of losing the whole object. */
function readProperty(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch (err) {
    return `[unreadable: ${err instanceof Error ? err.message : String(err)}]`;
  }
}

/**
 * The fields object of one log call, masked and bounded. Top-level keys stay top-level (so
 * `channel` and `session` can be filtered on); keys in `reserved` (the line's own `level`,
 * `time`, `msg`…) are renamed `_<key>` so a field cannot overwrite them.
 */
export function safeFields(fields: unknown, reserved: ReadonlySet<string>): Record<string, unknown> {
  const budget = newBudget();
  try {
    if (fields === null || fields === undefined) return {};
    if (typeof fields !== 'object' || Array.isArray(fields) || fields instanceof Error) {
      return { fields: walk(fields, 1, budget) };
    }
    const walked = walk(fields, 0, budget);
    if (walked === null || typeof walked !== 'object' || Array.isArray(walked)) return { fields: walked };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(walked)) setKey(out, reserved.has(k) ? `_${k}` : k, v);
    return out;
  } catch (err) {
    // walk() catches per value; this is the last net (Object.entries on a broken result).
    return { fieldsError: boundedMask(err instanceof Error ? err.message : String(err)) };
  }
}
