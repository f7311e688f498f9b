/**
 * The socket side of one load(): opens the Connection, says hello + join on every `welcome`,
 * dispatches server messages to the parts (MsePath for `mse` and binary frames, the Follower for
 * `state`, the FallbackCoordinator for UNSUPPORTED_CODEC and failing sockets, the CommandTracker for
 * replies) and sends the periodic `report`. The Player (player.ts) owns the state it changes.
 */
import { PROTOCOL_VERSION, type ChannelInfo, type ServerMessage } from '../../../server/core/protocol.js';
import type { CommandTracker } from './commands.js';
import type { PlayerConfig } from './config.js';
import { Connection, SILENT_CLOSE_CODE } from './connection.js';
import { PlayerErrorCode } from './errors.js';
import type { FallbackCoordinator } from './fallback.js';
import type { Follower } from './follower.js';
import { playableCodecs, type MediaSourceApi } from './media-source.js';
import type { MsePath } from './mse-path.js';
import type { PlayerHost } from './player-events.js';
import type { Pinger } from './pinger.js';
import type { Session } from './session.js';
import type { PlayerStats } from './stats.js';
import { isStaleState } from './sync.js';
import type { VisibilityWatcher } from './visibility.js';

/** Server codes after which the channel comes back by itself (it retries and sends a fresh `mse`). */
export const RECOVERABLE_SERVER_CODES: ReadonlySet<string> = new Set(['FFMPEG_EXIT', 'SOURCE_UNAVAILABLE', 'BAD_STREAM', 'RATE_LIMITED', 'INTERNAL']);

/** Everything one load() owns; replaced wholesale by the next load(), so nothing leaks across. */
export interface Load {
  readonly session: Session;
  readonly follower: Follower;
  readonly fallback: FallbackCoordinator;
  /** null without Media Source support, or once the fallback ended the MSE path. */
  mse: MsePath | null;
  connection: Connection | null;
  tickTimer: ReturnType<typeof setInterval> | null;
  /** Suspends the stream of a background tab (null: no document, or backgroundSuspendMs 0). */
  visibility: VisibilityWatcher | null;
}

/** What the socket side needs from the Player besides the load itself. */
export interface SocketHost extends PlayerHost {
  readonly config: PlayerConfig;
  readonly api: MediaSourceApi;
  readonly pinger: Pinger;
  readonly commands: CommandTracker;
  /** The load is still the player's current one (a replaced load's late messages are ignored). */
  isCurrent(load: Load): boolean;
  stats(): PlayerStats;
}

/** Opens the load's WebSocket (reconnecting by itself: connection.ts) and wires its events. */
export function openSocket(load: Load, host: SocketHost, url: string): Connection {
  const s = load.session;
  const { config, pinger, commands } = host;
  const connection = new Connection(url, { ...config.backoff, silenceTimeoutMs: config.silenceTimeoutMs });
  connection.on('open', () => {
    s.connections++;
    s.firstOpenAt ??= performance.now();
    pinger.start();
  });
  connection.on('message', (m) => onServerMessage(load, host, m));
  connection.on('binary', (data) => load.mse?.onBinary(data));
  connection.on('invalid', (e) => host.report({ code: PlayerErrorCode.BAD_SERVER_MESSAGE, message: `${e.reason}: ${e.raw}`, fatal: false }));
  connection.on('disconnect', (e) => {
    pinger.stop();
    commands.cancelAll('the connection closed before the server answered');
    const what = e.code === SILENT_CLOSE_CODE ? 'WebSocket silent' : 'WebSocket closed';
    const message = `${what} (code ${e.code}${e.reason ? `, ${e.reason}` : ''}); reconnect attempt ${e.retry} in ${e.retryInMs} ms`;
    host.report({ code: PlayerErrorCode.CONNECTION, message, fatal: false });
    // A channel error the server recovers from (FFMPEG_EXIT…) gives way to the socket's state.
    if (host.state() !== 'error' || !s.fatal) host.setState('reconnecting');
    host.emit('disconnect', { consecutiveFailures: e.consecutiveFailures, retryInMs: e.retryInMs, attempt: e.retry, code: e.code, reason: e.reason });
    // The fallback is for a network that blocks WebSockets. Once a socket has worked in this
    // load, failures mean the server is away (a restart): keep reconnecting, do not switch.
    if (!s.socketWorked && e.consecutiveFailures >= config.progressive.socketFailures) {
      load.fallback.consider({ kind: 'socket-failures', failures: e.consecutiveFailures });
    }
  });
  connection.connect();
  return connection;
}

function onServerMessage(load: Load, host: SocketHost, m: ServerMessage): void {
  const { session: s, connection, mse } = load;
  if (!host.isCurrent(load) || !connection || !mse) return;
  switch (m.type) {
    case 'welcome': {
      if (m.protocol !== PROTOCOL_VERSION) {
        host.fail({ code: PlayerErrorCode.PROTOCOL_VERSION, message: `server speaks protocol ${m.protocol}, this page ${PROTOCOL_VERSION}`, fatal: true });
        connection.close();
        return;
      }
      const api = host.api;
      s.socketWorked = true;
      s.lastState = null; // versions are per server run: a new socket may meet a restarted server
      const token = host.config.token !== null ? { token: host.config.token } : {};
      connection.send({ type: 'hello', codecs: playableCodecs(api), mode: api.mode, ...token });
      connection.send({ type: 'join', channel: s.channel });
      // After a reconnect the old pipeline (if any) keeps playing its buffer until `mse` + init arrive.
      const state = host.state();
      if (state === 'connecting' || state === 'reconnecting') host.setState('waiting-init');
      return;
    }
    case 'state':
      if (m.channel.id === s.channel) onChannelState(load, host, m.channel);
      return;
    case 'mse':
      if (m.channel !== s.channel) {
        host.report({ code: PlayerErrorCode.BAD_SERVER_MESSAGE, message: `mse for channel "${m.channel}", joined "${s.channel}"`, fatal: false });
        return;
      }
      mse.onMse(m);
      return;
    case 'pong':
      s.clock.addPong(m.t0, m.t1, m.t2, Date.now());
      return;
    case 'session':
      s.role = m.role;
      host.emit('session', { sessionId: m.sessionId, role: m.role });
      return;
    case 'error':
      // The answer to one of our commands: the caller of command() shows it, the player goes on.
      if (host.commands.settle(m)) return;
      if (m.code === 'UNSUPPORTED_CODEC') {
        // A file channel falls back to progressive playback, others fail: decideFallback.
        load.fallback.consider({ kind: 'unsupported-codec', error: { code: m.code, message: m.message, fatal: true } });
        return;
      }
      host.fail({ code: m.code, message: m.message, fatal: !RECOVERABLE_SERVER_CODES.has(m.code) });
      return;
    case 'ack':
      host.commands.settle(m);
      return;
    case 'overview':
      return; // only for dashboards (subscribe), which use ControlClient
    case 'comment': {
      // (one for a channel this load no longer watches is dropped)
      const { type: _type, ...comment } = m;
      if (comment.channel === s.channel) host.emit('comment', comment);
      return;
    }
    case 'comment-deleted':
      if (m.channel === s.channel) host.emit('comment-deleted', { id: m.id, channel: m.channel });
      return;
  }
}

function onChannelState(load: Load, host: SocketHost, info: ChannelInfo): void {
  const s = load.session;
  if (isStaleState(s.lastState, info)) return;
  s.lastState = { epoch: info.epoch, version: info.version };
  const previous = s.channelInfo;
  s.channelInfo = info;
  host.emit('channel', info);
  // Applied at once (not at the next tick), so pause and seek show quickly.
  if (load.mse?.pipeline && !load.fallback.active) load.follower.follow(info);
  if (info.status === 'error' && info.error) {
    const same = previous?.error?.code === info.error.code && previous.error.message === info.error.message;
    if (!same) host.fail({ code: info.error.code, message: info.error.message, fatal: !RECOVERABLE_SERVER_CODES.has(info.error.code) });
  }
}

/** One `report` for the dashboard: playback path, delay, drift, buffer, dropped frames. */
export function sendReport(load: Load, host: SocketHost): void {
  if (!load.connection || load.fallback.active) return;
  const st = host.stats();
  const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));
  load.connection.send({
    type: 'report',
    mode: st.mode ?? 'mse',
    delaySec: round(st.delaySec, 3),
    driftMs: round(st.driftMs, 1),
    bufferSec: Number(st.bufferSec.toFixed(3)),
    droppedFrames: st.droppedFrames,
  });
}
