/** Small display formatters shared by the pages (pure). */
import type { ChannelInfo } from '../../../server/core/protocol.js';

/** 1_234_567 bit/s → "1.23 Mbit/s"; null → "–". */
export function formatBitrate(bps: number | null): string {
  if (bps === null || !Number.isFinite(bps)) return '–';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Seconds with a fixed number of decimals, or "–" for null. */
export function formatSeconds(sec: number | null, digits = 2): string {
  return sec === null || !Number.isFinite(sec) ? '–' : `${sec.toFixed(digits)} s`;
}

/** Channel id from a `/watch/<id>` path (URL-decoded), or null. */
export function channelFromPath(pathname: string): string | null {
  const m = /^\/watch\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null; // malformed percent-encoding: not a channel path
  }
}

/** A media position: 75.3 → "1:15.3", 3725 → "1:02:05.0"; null → "–". */
export function formatClock(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '–';
  const sign = sec < 0 ? '−' : '';
  const tenths = Math.round(Math.abs(sec) * 10);
  const s = (tenths / 10) % 60;
  const m = Math.floor(tenths / 600) % 60;
  const h = Math.floor(tenths / 36000);
  const ss = s.toFixed(1).padStart(4, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}

/** A wait in whole seconds, rounded up: 3200 ms → "4 s", 95 s → "1 min 35 s"; ≤ 0 → "now". */
export function formatWait(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'now';
  const sec = Math.ceil(ms / 1000);
  return sec < 60 ? `${sec} s` : `${Math.floor(sec / 60)} min${sec % 60 ? ` ${sec % 60} s` : ''}`;
}

/** The player's state as a person reads it: "reconnecting (attempt 3)", "suspended (tab in background)"… */
export function playerStateText(state: string, reconnectAttempt: number): string {
  if (state === 'reconnecting') return reconnectAttempt > 0 ? `reconnecting (attempt ${reconnectAttempt})` : 'reconnecting';
  if (state === 'suspended') return 'suspended (tab in background)';
  return state;
}

/**
 * A channel's supervision (server/channel.ts: starting → running → retrying → error): `text` like
 * "attempt 3 · retry in 4 s" while it fails (empty while it is healthy), `error` the last failure
 * as "CODE: message" (empty when none). `serverNowMs` is the server's clock now (nextRetryAt is
 * the server's).
 */
export function describeSupervision(
  info: Pick<ChannelInfo, 'status' | 'attempt' | 'nextRetryAt' | 'error'>,
  serverNowMs: number,
): { text: string; error: string } {
  const parts: string[] = [];
  const failing = info.status === 'retrying' || info.status === 'error' || info.status === 'starting';
  if (failing && info.attempt > 0) parts.push(`attempt ${info.attempt}`);
  if ((info.status === 'retrying' || info.status === 'error') && info.nextRetryAt !== null) {
    const wait = info.nextRetryAt - serverNowMs;
    parts.push(wait > 0 ? `retry in ${formatWait(wait)}` : 'retrying now');
  }
  return { text: parts.join(' · '), error: info.error ? `${info.error.code}: ${info.error.message}` : '' };
}
