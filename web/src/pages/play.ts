/**
 * The page for `/play/<media path>?t=90` (also `t=1m30s`, `t=1:30`, `#t=90`): one media file on
 * its own, outside any channel, in a plain `<video controls>` fed by the /vod/ Range endpoint, and
 * started at `t`. Seeking an unbuffered <video> makes the browser ask for the bytes from there
 * (RFC 9110 §14 Range), so a link to minute 40 does not download the first 39.
 *
 *   preparing ─URL found (play-source.ts)─▶ loading ─metadata, seeked to t─▶ started
 *   preparing / loading ─no such file, unplayable, media error─▶ failed (a message over the video)
 *
 * `<body data-state>` says which, for people reading the DOM and for end-to-end tests. Changing
 * `#t=` while the page is open seeks there. Text from the address is shown with textContent only.
 */
import { startPlayback } from '../player/autoplay.js';
import { describeError } from '../player/errors.js';
import '../styles/main.css';
import { playTargetFromPath } from './moment.js';
import { resolvePlaySource } from './play-source.js';
import { clampStart, formatStartTime, parseStartTime, startTimeFromUrl } from './start-time.js';

type PageState = 'preparing' | 'loading' | 'started' | 'failed';

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const video = $<HTMLVideoElement>('#video');
const nameEl = $('#file-name');
const startEl = $('#start-at');
const statusEl = $('#play-status');
const notice = $('#notice');
const note = $('#note');

function setState(state: PageState, status: string): void {
  document.body.dataset['state'] = state;
  statusEl.textContent = status;
}

function fail(message: string): void {
  setState('failed', 'cannot play');
  notice.textContent = message;
  notice.hidden = false;
}

function addNote(text: string): void {
  note.textContent = note.hidden ? text : `${note.textContent ?? ''} · ${text}`;
  note.hidden = false;
}

/** Seeks to `sec` (past the end: to 0, with a note) and resolves once the video got there. */
function seekTo(sec: number): Promise<void> {
  let at = clampStart(sec, video.duration);
  if (at === null) {
    addNote(`${formatStartTime(sec)} is past the end (${formatStartTime(video.duration)}): playing from the start`);
    at = 0;
  }
  if (Math.abs(video.currentTime - at) < 0.001) return Promise.resolve();
  const seeked = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
  video.currentTime = at;
  return seeked;
}

async function start(vod: string, startSec: number): Promise<void> {
  const abort = new AbortController();
  const source = await resolvePlaySource(vod, {
    fetchFn: (input, init) => fetch(input, init),
    signal: abort.signal,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onPreparing: (message) => setState('preparing', `preparing an MP4 copy: ${message}`),
  });
  if (!source.ok) {
    fail(source.reason === 'unknown' ? `Unknown file: ${nameEl.textContent ?? vod} (${source.message})` : `Cannot play this file: ${source.message}`);
    return;
  }
  video.addEventListener('error', () => {
    const err = video.error;
    if (err) fail(`Cannot play this file (MediaError ${err.code}${err.message ? `: ${err.message}` : ''})`);
  });
  video.addEventListener('loadedmetadata', () => {
    void seekTo(startSec).then(async () => {
      if (document.body.dataset['state'] === 'failed') return;
      setState('started', source.variant === 'original' ? 'playing the file' : `playing its ${source.variant} copy`);
      const result = await startPlayback(video);
      if (result.muted) addNote('muted: this browser only autoplays without sound (unmute with the controls)');
    }).catch((err: unknown) => addNote(`press play: ${describeError(err)}`));
  }, { once: true });
  // Seeking before playing: no autoplay from 0, and only metadata until we know where to go.
  video.autoplay = false;
  video.src = source.url;
  setState('loading', 'loading…');
}

const target = playTargetFromPath(location.pathname);
const startTime = startTimeFromUrl(location.search, location.hash);
if (startTime?.ok === false) addNote(`ignored t=${startTime.raw}: not a time (write 90, 1m30s or 1:30)`);
const startSec = startTime?.ok ? startTime.sec : 0;
if (startSec > 0) {
  startEl.textContent = `from ${formatStartTime(startSec)}`;
  startEl.hidden = false;
}

if (target === null) {
  nameEl.textContent = 'no file';
  fail('Not a media path: open /play/<file in the media folder>?t=90 (the channel list links the files of file channels)');
} else {
  nameEl.textContent = target.name;
  document.title = `${target.name} · pushcast`;
  start(target.vod, startSec).catch((err: unknown) => fail(`Cannot play this file: ${describeError(err)}`));
}

// Editing `#t=` in the address bar of an open page jumps there (a media-fragment habit).
window.addEventListener('hashchange', () => {
  const t = new URLSearchParams(location.hash.replace(/^#/, '')).get('t');
  const sec = t === null ? null : parseStartTime(t);
  if (sec !== null && document.body.dataset['state'] === 'started') void seekTo(sec);
});
