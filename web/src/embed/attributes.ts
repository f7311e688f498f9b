/**
 * The rules of `<pushcast-player>`'s attributes, kept apart from the element (pushcast-player.ts):
 * what each attribute means, what a change of one asks the element to do, and how an error reads
 * on an embedding page. Pure: the element passes getAttribute and the facts it knows.
 *
 *   server    the pushcast server's origin (`https://host:8080`); default: where player.js came from
 *   channel   the channel id to play (required)
 *   muted     start (and stay) muted: autoplay is then always allowed
 *   controls  the <video>'s native controls (volume, fullscreen; its play/seek act locally only)
 *   stats     the stats overlay (state, delay, drift, buffer, frames)
 *   comments  the timed comments over the video (comments.ts)
 *
 * Boolean attributes follow HTML: present means true whatever the value (`muted="false"` is muted).
 */
export const OBSERVED_ATTRIBUTES = ['server', 'channel', 'muted', 'controls', 'stats', 'comments'] as const;
export type EmbedAttribute = (typeof OBSERVED_ATTRIBUTES)[number];

/** Codes of the element's own errors; the player's and the server's codes pass through unchanged. */
export const EmbedErrorCode = {
  /** `channel` is missing or empty, or `server` is not an http(s) origin. */
  BAD_ATTRIBUTE: 'BAD_ATTRIBUTE',
} as const;

/**
 * An error as the element reports it (`pushcast-error`'s detail): a player error (web/src/player/
 * errors.ts: the server's registry codes plus the player's own) or one of EmbedErrorCode.
 */
export interface EmbedError {
  code: string;
  message: string;
  /** True when the element stopped playing (the player's error state) rather than recovering. */
  fatal: boolean;
}

export interface EmbedSettings {
  /** As written; null: absent or blank (the element then uses player.js's own origin). */
  server: string | null;
  /** null: absent or blank. */
  channel: string | null;
  muted: boolean;
  controls: boolean;
  stats: boolean;
  comments: boolean;
}

/** The settings the attributes describe now. */
export function readSettings(get: (name: EmbedAttribute) => string | null): EmbedSettings {
  const text = (name: EmbedAttribute): string | null => {
    const v = get(name)?.trim();
    return v ? v : null;
  };
  const flag = (name: EmbedAttribute): boolean => get(name) !== null;
  return {
    server: text('server'),
    channel: text('channel'),
    muted: flag('muted'),
    controls: flag('controls'),
    stats: flag('stats'),
    comments: flag('comments'),
  };
}

/**
 * What a change of `name` asks for: a new stream (`restart`: another server or channel), or only
 * a change of the view, which leaves the stream alone.
 */
export function changeKind(name: string): 'restart' | 'view' | 'ignore' {
  if (name === 'server' || name === 'channel') return 'restart';
  return (OBSERVED_ATTRIBUTES as readonly string[]).includes(name) ? 'view' : 'ignore';
}

/** Why the settings cannot start a stream, or null when they can (the server is checked by the Player). */
export function settingsProblem(s: EmbedSettings): EmbedError | null {
  if (s.channel === null) {
    return { code: EmbedErrorCode.BAD_ATTRIBUTE, message: '<pushcast-player> needs a channel attribute, e.g. channel="lobby"', fatal: true };
  }
  return null;
}

export interface ErrorContext {
  /** WebSockets this load ever opened (stats().connections). */
  connections: number;
  /** The embedding page's origin and the server's. */
  pageOrigin: string;
  serverOrigin: string;
}

/**
 * The error as the embedding page should read it. A WebSocket that never opened to a server on
 * another origin is most often the server refusing this page (403 ORIGIN_FORBIDDEN: the browser
 * hides the status, the page only sees code 1006), so the message says which setting to check.
 */
export function explainError(e: EmbedError, ctx: ErrorContext): EmbedError {
  const crossOrigin = ctx.pageOrigin !== ctx.serverOrigin;
  if (e.code !== 'CONNECTION' || ctx.connections > 0 || !crossOrigin) return e;
  const hint = `the server ${ctx.serverOrigin} refused the WebSocket or cannot be reached; if it runs, add this page's origin ${ctx.pageOrigin} to its allowedOrigins`;
  return { ...e, message: `${e.message} (${hint})` };
}
