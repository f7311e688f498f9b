/**
 * Options of `npm run bench:soak`, resolved from argv and env without I/O. Defaults first, then
 * SOAK_SECONDS, then flags; anything illegal throws one TypeError with the flag's name, before the
 * server starts (as ws does for its own options).
 */
import { parseArgs } from 'node:util';
import { isChannelId } from '../../server/core/protocol.js';

export interface SoakOptions {
  /** Length of the measured run, seconds (after the viewers have connected). */
  durationSec: number;
  /** Simulated viewers on the channel. */
  viewers: number;
  /** Viewers that stop reading their socket for a while (then resume, or never do): count. */
  slow: number;
  /** Viewers that leave/join or disconnect/reconnect every few seconds: count. */
  churn: number;
  channel: string;
  /** One progress line this often, ms. */
  intervalMs: number;
}

export const SOAK_DEFAULTS = { durationSec: 60, viewers: 200, slowPercent: 10, churnPercent: 20, channel: 'test', intervalSec: 5 } as const;

export const SOAK_USAGE = `Usage: npm run bench:soak -- [options]
  --duration <s>    measured run length in seconds (env SOAK_SECONDS, default ${SOAK_DEFAULTS.durationSec})
  --viewers <n>     WebSocket viewers (default ${SOAK_DEFAULTS.viewers})
  --slow <pct>      % of viewers that stop reading for a while (default ${SOAK_DEFAULTS.slowPercent})
  --churn <pct>     % of viewers that leave/join or reconnect every few seconds (default ${SOAK_DEFAULTS.churnPercent})
  --channel <id>    channel to watch (default ${SOAK_DEFAULTS.channel})
  --interval <s>    seconds between progress lines (default ${SOAK_DEFAULTS.intervalSec})`;

function num(raw: string, flag: string, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new TypeError(`${flag} must be ${integer ? 'a whole number' : 'a number'} in [${min}, ${max}], got "${raw}"`);
  }
  return n;
}

/** 'help' when asked for; throws TypeError for an unknown flag or an illegal value. */
export function resolveSoakOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string' },
      viewers: { type: 'string' },
      slow: { type: 'string' },
      churn: { type: 'string' },
      channel: { type: 'string' },
      interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const durationRaw = values.duration ?? env['SOAK_SECONDS'] ?? String(SOAK_DEFAULTS.durationSec);
  const durationSec = num(durationRaw, values.duration !== undefined ? '--duration' : 'SOAK_SECONDS', 5, 7 * 24 * 3600, false);
  const viewers = num(values.viewers ?? String(SOAK_DEFAULTS.viewers), '--viewers', 1, 10_000, true);
  const slowPct = num(values.slow ?? String(SOAK_DEFAULTS.slowPercent), '--slow', 0, 100, false);
  const churnPct = num(values.churn ?? String(SOAK_DEFAULTS.churnPercent), '--churn', 0, 100, false);
  if (slowPct + churnPct > 100) throw new TypeError(`--slow + --churn must not exceed 100 %, got ${slowPct + churnPct}`);
  const intervalSec = num(values.interval ?? String(SOAK_DEFAULTS.intervalSec), '--interval', 1, 3600, false);
  const channel = values.channel ?? SOAK_DEFAULTS.channel;
  if (!isChannelId(channel)) throw new TypeError(`--channel must be a channel id, got "${channel}"`);
  const slow = Math.round((viewers * slowPct) / 100);
  const churn = Math.min(viewers - slow, Math.round((viewers * churnPct) / 100));
  return { durationSec, viewers, slow, churn, channel, intervalMs: intervalSec * 1000 };
}
