/**
 * Viewer page for /watch/<channel>: one Player on the <video>, channel name/status (with the
 * server's supervision while the source fails: "retrying · attempt 3 · retry in 4 s", the last
 * error in the tooltip), the player state ("reconnecting (attempt n)" while the socket is down), errors, the
 * stats overlay (button or `s`), an unmute button when autoplay with sound was refused, a
 * "progressive" badge while the fallback plays the file over HTTP, and a notice over the video
 * when this browser cannot play the channel at all (no MSE on a live channel).
 * Channel controls (play/pause, seek bar with position / duration, ±10 s) act for every viewer;
 * they are enabled when this page is a controller (control token from `#token=…` or localStorage,
 * token.ts) or the channel's control is 'open', and disabled with a tooltip otherwise.
 * The controls are the shared TransportControls (transport-controls.ts) on this page's elements.
 * Links to a moment (watch-moment.ts): opened with `?t=90`, a controller's page moves the channel
 * there once, a viewer's offers "watch alone from 1:30" (`/play/<file>?t=90`); "copy link at this
 * moment" copies `/watch/<id>?t=<position>` for file channels.
 * Timed comments (comments-layer.ts) drift over the video; the row under it posts them.
 * The player is exposed as `window.player` for debugging and end-to-end tests.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { Player, type PlayerStats } from '../player/player.js';
import type { PlayerError } from '../player/errors.js';
import '../styles/main.css';
import { channelFromPath, describeSupervision, formatBitrate, formatBytes, formatClock, formatSeconds, playerStateText } from './format.js';
import { readControlToken } from './token.js';
import { SKIP_SEC } from './transport.js';
import { TransportControls } from './transport-controls.js';
import { CommentsLayer } from './comments-layer.js';
import { setupWatchMoments } from './watch-moment.js';

declare global {
  interface Window {
    player?: Player;
  }
}

const MAX_SHOWN_ERRORS = 5;
const STATS_REFRESH_MS = 250;

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const video = $<HTMLVideoElement>('#video');
const nameEl = $('#channel-name');
const statusEl = $('#channel-status');
const stateEl = $('#player-state');
const errorsEl = $<HTMLUListElement>('#errors');
const statsEl = $<HTMLPreElement>('#stats');
const statsToggle = $<HTMLButtonElement>('#stats-toggle');
const unmuteButton = $<HTMLButtonElement>('#unmute');
const modeBadge = $('#mode-badge');
const notice = $('#notice');
const controls = $('#controls');
const CONTROLS_REFRESH_MS = 200;

function showError(error: Pick<PlayerError, 'code' | 'message' | 'fatal'>): void {
  const li = document.createElement('li');
  li.className = error.fatal ? 'fatal' : '';
  const code = document.createElement('code');
  code.textContent = error.code;
  li.append(code, error.message);
  errorsEl.prepend(li);
  while (errorsEl.children.length > MAX_SHOWN_ERRORS) errorsEl.lastElementChild!.remove();
}

function showChannel(info: ChannelInfo): void {
  nameEl.textContent = info.id;
  nameEl.title = info.source;
  statusEl.className = `badge ${info.status}`;
  // nextRetryAt is on the server's clock: the player's ping/pong offset converts.
  const supervision = describeSupervision(info, Date.now() + (player.stats().clockOffsetMs ?? 0));
  statusEl.textContent = supervision.text ? `${info.status} · ${supervision.text}` : info.status;
  statusEl.title = supervision.error;
  statusEl.classList.toggle('stale', disconnected());
}

/** The socket is down: the channel status shown is the last one known, not live. */
function disconnected(): boolean {
  return player.state === 'reconnecting' || player.state === 'suspended';
}

/** "reconnecting (attempt n)" while the socket is down, the plain state otherwise. */
function showState(): void {
  const s = player.stats();
  stateEl.textContent = playerStateText(s.state, s.reconnectAttempt);
  stateEl.className = disconnected() ? 'warn' : 'muted';
  statusEl.classList.toggle('stale', disconnected());
}

function statsText(s: PlayerStats): string {
  const lines: Array<[string, string]> = [
    ['state', `${s.state} (${s.mode ?? 'no MSE'})`],
    ['channel', `${s.channel ?? '–'} [${s.channelStatus ?? '?'}] epoch ${s.epoch ?? '–'}`],
    ['mime', s.mime ?? '–'],
    ['delay', s.delaySec === null && s.sync !== null ? '– (file channel: see sync)' : formatSeconds(s.delaySec)],
    ['buffer', formatSeconds(s.bufferSec)],
    ['bitrate', formatBitrate(s.bitrateBps)],
    ['media time', `${s.currentTime.toFixed(2)} s @ ${s.playbackRate.toFixed(2)}× (${s.sync ?? s.liveEdge ?? '–'})`],
    ...(s.position === null ? [] : [['file position', `${formatClock(s.position)} / ${formatClock(s.duration)}`] as [string, string]]),
    ['frames', `${s.totalFrames} shown, ${s.droppedFrames} dropped`],
    ['first frame', s.firstFrameMs === null ? '–' : `${s.firstFrameMs} ms`],
    ['sync', s.sync === null ? '–' : `${s.sync}, drift ${s.driftMs === null ? '–' : `${s.driftMs.toFixed(0)} ms`}, ${s.syncJumps} jump(s)`],
    ['channel ctl', `${s.playing === null ? '?' : s.playing ? 'playing' : 'paused'}, role ${s.role ?? '?'}`],
    ['stalls/jumps', `${s.stalls} / ${s.jumps}`],
    ['clock', s.clockOffsetMs === null ? '–' : `offset ${s.clockOffsetMs.toFixed(1)} ms, rtt ${s.rttMs?.toFixed(1)} ms`],
    ['received', `${formatBytes(s.bytesReceived)} in ${s.fragmentsReceived} fragments (${s.framesDropped} dropped)`],
    ['socket', `${s.connections} connection(s), ${s.consecutiveFailures} failure(s) in a row${s.reconnectAttempt > 0 ? `, reconnect attempt ${s.reconnectAttempt}` : ''}`],
    ['errors', String(s.errors.length)],
  ];
  return lines.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n');
}

let statsTimer: ReturnType<typeof setInterval> | null = null;
function setStatsVisible(visible: boolean): void {
  statsEl.hidden = !visible;
  statsToggle.setAttribute('aria-pressed', String(visible));
  if (statsTimer !== null) clearInterval(statsTimer);
  statsTimer = null;
  if (!visible) return;
  const update = (): void => {
    statsEl.textContent = statsText(player.stats());
  };
  update();
  statsTimer = setInterval(update, STATS_REFRESH_MS);
}

const player = new Player({ token: readControlToken() });
window.player = player;

// ---- channel controls --------------------------------------------------------------------------

const transport = new TransportControls({
  elements: {
    toggle: $<HTMLButtonElement>('#play-toggle'),
    back: $<HTMLButtonElement>('#back'),
    forward: $<HTMLButtonElement>('#forward'),
    seek: $<HTMLInputElement>('#seek'),
    position: $('#position'),
  },
  titles: { back: `Back ${SKIP_SEC} s`, forward: `Forward ${SKIP_SEC} s` },
  channel: () => player.channel,
  position: () => player.stats().position,
  send: (type, position) => {
    void player.command(type, position).then((reply) => {
      if (reply.type === 'error') showError({ code: reply.code, message: `${type}: ${reply.message}`, fatal: false });
    });
  },
});

function updateControls(): void {
  const info = player.channel;
  controls.hidden = info === null || player.stats().mode === 'progressive';
  if (info === null) return;
  const allowed = player.role === 'controller' || info.control === 'open';
  const why = allowed ? '' : 'Only a controller can control this channel (open the link with #token=… the server printed)';
  controls.title = why;
  transport.render(why);
}

player.on('channel', updateControls);
player.on('session', updateControls);
// `?t=`: a controller moves the channel there once, a viewer gets "watch alone from …"; "copy link at this moment".
setupWatchMoments(player, {
  box: $('#moment'),
  alone: $<HTMLAnchorElement>('#watch-alone'),
  copy: $<HTMLButtonElement>('#copy-moment'),
  field: $<HTMLInputElement>('#moment-link'),
  status: $('#moment-status'),
}, showError);
setInterval(() => {
  updateControls();
  // Counts "retry in N s" down between state messages.
  if (player.channel?.nextRetryAt != null) showChannel(player.channel);
}, CONTROLS_REFRESH_MS);

player.on('state', ({ to }) => {
  showState();
  if (to === 'playing') errorsEl.replaceChildren(); // recovered: old errors stay in stats().errors
});
player.on('disconnect', showState); // the attempt number grows while the state stays 'reconnecting'
player.on('channel', showChannel);
player.on('error', showError);
player.on('error', (e) => {
  if (e.code !== 'NO_MSE' || !e.fatal) return;
  notice.textContent = e.message;
  notice.hidden = false;
});
player.on('mode', ({ mode, reason }) => {
  modeBadge.hidden = mode !== 'progressive';
  modeBadge.title = `Playing the file over HTTP: ${reason}`;
});
player.on('autoplay-muted', () => {
  unmuteButton.hidden = false;
});

unmuteButton.addEventListener('click', () => {
  player.unmute().then(
    () => {
      unmuteButton.hidden = true;
    },
    (err: unknown) => showError({ code: 'PLAY_FAILED', message: `unmute failed: ${String(err)}`, fatal: false }),
  );
});
// Unmuting through the native controls (or anything else) also hides the button.
video.addEventListener('volumechange', () => {
  if (!video.muted) unmuteButton.hidden = true;
});

statsToggle.addEventListener('click', () => setStatsVisible(statsEl.hidden));
document.addEventListener('keydown', (ev) => {
  if (ev.key !== 's' || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  const target = ev.target as HTMLElement | null;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  setStatsVisible(statsEl.hidden);
});

const channel = channelFromPath(location.pathname) ?? new URLSearchParams(location.search).get('channel');
if (channel === null) {
  nameEl.textContent = 'no channel';
  showError({ code: 'UNKNOWN_CHANNEL', message: 'open /watch/<channel> (see the channel list)', fatal: true });
} else {
  nameEl.textContent = channel;
  document.title = `${channel} · pushcast`;
  player.attach(video);
  player.load(channel);
  // Timed comments over the video and the input row under it (comments-layer.ts).
  new CommentsLayer(player, channel, {
    box: $('.video-box'), video, form: $<HTMLFormElement>('#comment-form'), name: $<HTMLInputElement>('#comment-name'),
    text: $<HTMLInputElement>('#comment-text'), send: $<HTMLButtonElement>('#comment-send'), toggle: $<HTMLButtonElement>('#comments-toggle'), status: $('#comment-status'),
  }).start();
}
