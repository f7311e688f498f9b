/**
 * Viewer page for /watch/<channel>: one Player on the <video>, channel name/status, errors, the
 * stats overlay (button or `s`), an unmute button when autoplay with sound was refused, a
 * "progressive" badge while the fallback plays the file over HTTP, and a notice over the video
 * when this browser cannot play the channel at all (no MSE on a live channel).
 * The player is exposed as `window.player` for debugging and end-to-end tests.
 */
import type { ChannelInfo } from '../../../server/protocol.js';
import { Player, type PlayerStats } from '../player/player.js';
import type { PlayerError } from '../player/errors.js';
import '../styles/main.css';
import { channelFromPath, formatBitrate, formatBytes, formatSeconds } from './format.js';

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
  statusEl.textContent = info.status;
}

function statsText(s: PlayerStats): string {
  const lines: Array<[string, string]> = [
    ['state', `${s.state} (${s.mode ?? 'no MSE'})`],
    ['channel', `${s.channel ?? '–'} [${s.channelStatus ?? '?'}] epoch ${s.epoch ?? '–'}`],
    ['mime', s.mime ?? '–'],
    ['delay', formatSeconds(s.delaySec)],
    ['buffer', formatSeconds(s.bufferSec)],
    ['bitrate', formatBitrate(s.bitrateBps)],
    ['position', `${s.currentTime.toFixed(2)} s @ ${s.playbackRate.toFixed(2)}× (${s.liveEdge ?? '–'})`],
    ['frames', `${s.totalFrames} shown, ${s.droppedFrames} dropped`],
    ['first frame', s.firstFrameMs === null ? '–' : `${s.firstFrameMs} ms`],
    ['stalls/jumps', `${s.stalls} / ${s.jumps}`],
    ['clock', s.clockOffsetMs === null ? '–' : `offset ${s.clockOffsetMs.toFixed(1)} ms, rtt ${s.rttMs?.toFixed(1)} ms`],
    ['received', `${formatBytes(s.bytesReceived)} in ${s.fragmentsReceived} fragments (${s.framesDropped} dropped)`],
    ['socket', `${s.connections} connection(s), ${s.consecutiveFailures} failure(s) in a row`],
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

const player = new Player();
window.player = player;

player.on('state', ({ to }) => {
  stateEl.textContent = to;
  if (to === 'playing') errorsEl.replaceChildren(); // recovered: old errors stay in stats().errors
});
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
}
