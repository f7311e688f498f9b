/**
 * The timed comments on the watch page ("danmaku"): they drift right to left across the video in
 * lanes (a CSS animation; name and text set with textContent only, never as HTML), plus the input
 * row under the video (display name kept in localStorage `pushcast.name`; a "hide comments" toggle
 * kept in `pushcast.hideComments`).
 *
 * What shows when:
 *  - a comment arriving over the socket (the Player's `comment` event) shows at once, on any channel;
 *  - on file channels a comment belongs to its position: every FETCH_EVERY_MS the layer fetches
 *    the comments of the next AHEAD_SEC (GET /api/channels/<id>/comments?from&to, split across the
 *    end of a looping file), and the pure scheduler (player/comment-scheduler.ts) says which are
 *    due as the picture's position passes them, so they show again after a seek back, on the next
 *    loop, on another day. A seek or loop fetches at once.
 *  - a controller (control token) can click a comment to delete it for everyone; `comment-deleted`
 *    takes it off every screen, and the page's book forgets it for good.
 * While the video is paused the drifting comments stand still too.
 */
import { COMMENT_MAX_CHARS, checkCommentText, checkDisplayName, codePointLength } from '../../../server/core/comment-text.js';
import type { CommentInfo } from '../../../server/core/protocol.js';
import { CommentBook, INITIAL_SCHEDULE, advance, pickLane, suppress, windowsAhead, type LaneTenant, type ScheduleState } from '../player/comment-scheduler.js';
import type { Player } from '../player/player.js';
import { serverHttpUrl } from '../player/server-url.js';
import { loadItem, saveItem } from './local-store.js';

export const NAME_STORAGE_KEY = 'pushcast.name';
export const HIDE_STORAGE_KEY = 'pushcast.hideComments';
/** How often the position is sampled, ms. */
const TICK_MS = 250;
/** How often the window ahead is fetched, ms, and how far ahead, s. */
const FETCH_EVERY_MS = 5_000;
const AHEAD_SEC = 30;
/** How long a comment takes to cross the video, ms. */
const DRIFT_MS = 8_000;
/** Lane height, px; lanes fill the upper 70 % of the video. */
const LANE_PX = 30;
/** Comments on screen at once; more are skipped rather than pile up. */
const MAX_ON_SCREEN = 40;
/** Gap behind a comment before the next one may enter its lane, px. */
const LANE_GAP_PX = 24;

export interface CommentsLayerElements {
  /** The box around the <video>: the overlay goes inside it. */
  box: HTMLElement;
  video: HTMLVideoElement;
  form: HTMLFormElement;
  name: HTMLInputElement;
  text: HTMLInputElement;
  send: HTMLButtonElement;
  toggle: HTMLButtonElement;
  status: HTMLElement;
}

export class CommentsLayer {
  private readonly overlay: HTMLDivElement;
  private readonly book = new CommentBook<CommentInfo>();
  private schedule: ScheduleState = INITIAL_SCHEDULE;
  private readonly onScreen = new Map<number, HTMLElement>();
  private lanes: Array<LaneTenant | null> = [];
  private hidden: boolean;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private lastFetchAt = -Infinity;
  private fetching = false;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly player: Player, private readonly channel: string, private readonly el: CommentsLayerElements) {
    this.overlay = document.createElement('div');
    this.overlay.className = 'comments-layer';
    this.overlay.setAttribute('aria-live', 'off');
    this.hidden = loadItem(HIDE_STORAGE_KEY) === '1';
  }

  start(): void {
    const { el } = this;
    el.box.append(this.overlay);
    el.name.value = loadItem(NAME_STORAGE_KEY) ?? '';
    el.form.hidden = false;
    this.renderToggle();
    el.name.addEventListener('change', this.onNameChange);
    el.text.addEventListener('input', this.onTextInput);
    el.form.addEventListener('submit', this.onSubmit);
    el.toggle.addEventListener('click', this.onToggle);
    this.unsubscribe.push(
      this.player.on('comment', (c) => {
        if (c.at !== null) this.book.add(c);
        this.schedule = suppress(this.schedule, c);
        this.show(c);
      }),
      this.player.on('comment-deleted', ({ id }) => {
        this.book.remove(id);
        this.drop(id);
      }),
    );
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.tickTimer = null;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const id of [...this.onScreen.keys()]) this.drop(id);
    this.overlay.remove();
  }

  /** What is on screen now (tests, debugging). */
  get shown(): number[] {
    return [...this.onScreen.keys()];
  }

  private tick(): void {
    this.overlay.classList.toggle('paused', this.el.video.paused);
    const info = this.player.channel;
    const pos = info?.kind === 'file' ? this.player.stats().position : null;
    const duration = info?.duration ?? null;
    const step = advance(this.schedule, this.book.values(), pos, duration);
    this.schedule = step.state;
    for (const c of step.due) this.show(c);
    if (pos === null) return;
    const now = performance.now();
    const jumped = step.motion === 'start' || step.motion === 'seek' || step.motion === 'loop';
    if (jumped || now - this.lastFetchAt >= FETCH_EVERY_MS) void this.fetchAhead(pos, duration, now);
  }

  /** Learns the comments of the next AHEAD_SEC of the file. A failure waits for the next round. */
  private async fetchAhead(pos: number, duration: number | null, now: number): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    this.lastFetchAt = now;
    try {
      for (const w of windowsAhead(pos, duration, AHEAD_SEC)) {
        // The player's server: another origin for an embedded player (web/src/embed).
        const url = serverHttpUrl(this.player.config.server, `/api/channels/${encodeURIComponent(this.channel)}/comments?from=${w.from}&to=${w.to}`);
        const res = await fetch(url, { cache: 'no-store' });
        if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
        const body = (await res.json()) as { comments?: CommentInfo[] };
        for (const c of body.comments ?? []) if (c.channel === this.channel) this.book.add(c);
      }
    } catch (err) {
      console.debug('pushcast: could not fetch comments', err);
    } finally {
      this.fetching = false;
    }
  }

  /** Puts one comment on screen, drifting in the freest lane. */
  private show(c: CommentInfo): void {
    if (this.hidden || this.onScreen.has(c.id) || this.onScreen.size >= MAX_ON_SCREEN) return;
    const item = document.createElement('div');
    item.className = 'comment';
    item.dataset['commentId'] = String(c.id);
    const name = document.createElement('span');
    name.className = 'comment-name';
    name.textContent = c.name;
    const text = document.createElement('span');
    text.className = 'comment-text';
    text.dir = 'auto';
    text.textContent = c.text;
    item.append(name, text);
    if (this.player.role === 'controller') {
      item.classList.add('deletable');
      item.title = 'Click to delete this comment for everyone';
      item.addEventListener('click', () => this.remove(c.id));
    }
    const count = Math.max(1, Math.floor((this.el.box.clientHeight * 0.7) / LANE_PX));
    if (this.lanes.length !== count) this.lanes = Array.from({ length: count }, (_, i) => this.lanes[i] ?? null);
    const travel = this.el.box.clientWidth;
    item.style.setProperty('--travel', `${travel}px`);
    item.style.animationDuration = `${DRIFT_MS}ms`;
    item.addEventListener('animationend', () => this.drop(c.id));
    this.overlay.append(item);
    this.onScreen.set(c.id, item);
    // Measured before the next paint, then put in its lane (pickLane: no overlap, no catching up).
    const width = item.getBoundingClientRect().width;
    const now = performance.now();
    const lane = pickLane(this.lanes, width, { travel, driftMs: DRIFT_MS, gapPx: LANE_GAP_PX }, now);
    item.style.top = `${8 + lane * LANE_PX}px`;
    this.lanes[lane] = { start: now, width };
  }

  private drop(id: number): void {
    this.onScreen.get(id)?.remove();
    this.onScreen.delete(id);
  }

  private remove(id: number): void {
    void this.player.deleteComment(id).then((reply) => {
      if (reply.type === 'error') this.setStatus(`${reply.code}: ${reply.message}`, true);
    });
  }

  private setStatus(message: string, error = false): void {
    this.el.status.textContent = message;
    this.el.status.classList.toggle('cmd-error', error);
  }

  private renderToggle(): void {
    const { toggle } = this.el;
    toggle.setAttribute('aria-pressed', String(this.hidden));
    toggle.textContent = this.hidden ? 'Show comments' : 'Hide comments';
    this.overlay.hidden = this.hidden;
  }

  private readonly onToggle = (): void => {
    this.hidden = !this.hidden;
    saveItem(HIDE_STORAGE_KEY, this.hidden ? '1' : '0');
    if (this.hidden) for (const id of [...this.onScreen.keys()]) this.drop(id);
    this.renderToggle();
  };

  private readonly onNameChange = (): void => {
    saveItem(NAME_STORAGE_KEY, this.el.name.value.trim());
  };

  /** A counter once the text gets long, in the same characters the server counts. */
  private readonly onTextInput = (): void => {
    const n = codePointLength(this.el.text.value.trim());
    this.setStatus(n > COMMENT_MAX_CHARS * 0.8 ? `${n}/${COMMENT_MAX_CHARS}` : '', n > COMMENT_MAX_CHARS);
  };

  private readonly onSubmit = (ev: SubmitEvent): void => {
    ev.preventDefault();
    const { text, name, send } = this.el;
    // The server's own rules, so most refusals need no round trip (the server checks again).
    const verdict = checkCommentText(text.value);
    const who = checkDisplayName(name.value);
    const refusal = !verdict.ok ? verdict : !who.ok ? who : null;
    if (refusal) {
      this.setStatus(`${refusal.code}: ${refusal.message}`, true);
      return;
    }
    saveItem(NAME_STORAGE_KEY, name.value.trim());
    send.disabled = true;
    void this.player.comment(text.value, name.value.trim() === '' ? undefined : name.value).then((reply) => {
      send.disabled = false;
      if (reply.type === 'ack') {
        text.value = '';
        this.setStatus('');
      } else this.setStatus(`${reply.code}: ${reply.message}`, true);
    });
  };
}
