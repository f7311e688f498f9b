/**
 * `<pushcast-player server="https://host:8080" channel="lobby" muted controls stats comments>`: the
 * watch page's player as a custom element for other sites' pages. It is the same Player
 * (web/src/player/player.ts: MSE over the WebSocket, the progressive fallback, the shared-playhead
 * sync), pointed at `server` (default: the origin player.js was loaded from), inside a shadow root
 * with its own styles. The server must allow the embedding page's origin (config allowedOrigins):
 * it checks Origin on the WebSocket upgrade and answers CORS for /player.js and /api/.
 *
 * Lifecycle:
 *   connected ──▶ start(): a Player on the shadow <video>, load(channel)
 *   server / channel changed ──▶ stop() + start();   muted / controls / stats / comments ──▶ view only
 *   disconnected (and still out of the document after the current task's microtasks) ──▶ stop():
 *     player.destroy(), timers cleared. A move within the page (remove + insert) keeps the stream.
 *
 * Events, on the element, bubbling and composed (they cross shadow boundaries of the page too):
 *   `pushcast-state`  detail {from, to}: the player's states (connecting, waiting-init, playing,
 *                     reconnecting, suspended, error, closed)
 *   `pushcast-error`  detail {code, message, fatal}: the player's and the server's error codes
 *                     (UNKNOWN_CHANNEL, CONNECTION…) and BAD_ATTRIBUTE (attributes.ts)
 * Text from the server (error messages) is rendered with textContent only.
 */
import { Player, type PlayerStats } from '../player/player.js';
import { describeError } from '../player/errors.js';
import { normalizeServerBase } from '../player/server-url.js';
import { EmbedErrorCode, OBSERVED_ATTRIBUTES, changeKind, explainError, readSettings, settingsProblem, type EmbedError, type EmbedSettings } from './attributes.js';
import { CommentsView } from './comments.js';
import { statsText } from './stats-text.js';
import { adoptStyles } from './styles.js';

const STATS_REFRESH_MS = 250;

export interface PushcastStateDetail {
  from: string;
  to: string;
}
export type PushcastErrorDetail = EmbedError;

/** Where player.js itself was loaded from: the default server, as a page embeds its own server's script. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

export class PushcastPlayerElement extends HTMLElement {
  static readonly observedAttributes: readonly string[] = OBSERVED_ATTRIBUTES;

  private readonly video: HTMLVideoElement;
  private readonly notice: HTMLParagraphElement;
  private readonly statsEl: HTMLPreElement;
  private readonly unmuteButton: HTMLButtonElement;
  private readonly comments: CommentsView;
  private _player: Player | null = null;
  /** Between connectedCallback and the teardown after a disconnect: attribute changes act. */
  private live = false;
  /** The origin the running player talks to (for error hints). */
  private serverOrigin = SCRIPT_ORIGIN;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  /** Autoplay with sound was refused and the page did not ask for `muted`: offer the unmute button. */
  private forcedMute = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root);
    this.video = el('video', { part: 'video' });
    this.video.playsInline = true;
    this.notice = el('p', { part: 'notice', class: 'notice', role: 'alert', hidden: '' });
    this.statsEl = el('pre', { part: 'stats', class: 'stats', hidden: '' });
    this.unmuteButton = el('button', { part: 'unmute', class: 'unmute', type: 'button', hidden: '' });
    this.unmuteButton.textContent = '🔇 Tap to unmute';
    this.unmuteButton.addEventListener('click', this.onUnmuteClick);
    const stage = el('div', { part: 'stage', class: 'stage' });
    stage.append(this.video, this.notice, this.statsEl, this.unmuteButton);
    this.comments = new CommentsView(stage, this.video);
    root.append(stage, this.comments.form);
  }

  /** The Player while one runs (null before connect, after disconnect, or with bad attributes). */
  get player(): Player | null {
    return this._player;
  }

  /** The player's stats (player.stats()), or null when none runs. */
  stats(): PlayerStats | null {
    return this._player?.stats() ?? null;
  }

  connectedCallback(): void {
    if (this.live) return; // moved within the page: the stream goes on
    this.live = true;
    this.start();
  }

  disconnectedCallback(): void {
    // Re-inserted before the microtask runs (a move): keep the stream.
    queueMicrotask(() => {
      if (this.isConnected || !this.live) return;
      this.live = false;
      this.stop();
    });
  }

  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
    if (oldValue === value) return;
    const kind = changeKind(name);
    // Before connectedCallback (the parser, or the upgrade of an element already in the page, which
    // reports every attribute first): start() reads them all anyway.
    if (kind === 'ignore' || !this.live) return;
    if (kind === 'view') {
      this.applyView(this.settings());
      return;
    }
    this.stop();
    this.start();
  }

  private settings(): EmbedSettings {
    return readSettings((name) => this.getAttribute(name));
  }

  private start(): void {
    const s = this.settings();
    this.notice.hidden = true; // the last stream's error is not this one's
    this.applyView(s);
    const problem = settingsProblem(s);
    if (problem) {
      this.showError(problem);
      return;
    }
    let player: Player;
    try {
      const server = s.server === null ? SCRIPT_ORIGIN : normalizeServerBase(s.server);
      player = new Player({ server });
      this.serverOrigin = server;
    } catch (err) {
      this.showError({ code: EmbedErrorCode.BAD_ATTRIBUTE, message: describeError(err), fatal: true });
      return;
    }
    this._player = player;
    player.on('state', ({ from, to }) => {
      if (to === 'playing') this.notice.hidden = true;
      this.dispatch('pushcast-state', { from, to } satisfies PushcastStateDetail);
    });
    player.on('error', (e) => this.showError(e));
    player.on('autoplay-muted', () => {
      this.forcedMute = !this.settings().muted;
      this.unmuteButton.hidden = !this.forcedMute;
    });
    player.attach(this.video);
    player.load(s.channel!);
    this.comments.attach(player, s.channel!);
    if (s.stats) this.showStats(true);
  }

  private stop(): void {
    this.comments.detach();
    const player = this._player;
    this._player = null;
    this.forcedMute = false;
    if (player) {
      player.destroy();
      // The next start() gets a clean <video> (destroy() leaves the last MediaSource attached).
      this.video.removeAttribute('src');
      this.video.load();
    }
    this.showStats(false);
  }

  /** muted / controls / stats / comments: the view only, never the stream. */
  private applyView(s: EmbedSettings): void {
    this.video.muted = s.muted || this.forcedMute;
    this.video.controls = s.controls;
    if (s.muted) this.unmuteButton.hidden = true;
    this.showStats(s.stats && this._player !== null);
    this.comments.setVisible(s.comments);
  }

  private showStats(visible: boolean): void {
    this.statsEl.hidden = !visible;
    if (!visible) {
      if (this.statsTimer !== null) clearInterval(this.statsTimer);
      this.statsTimer = null;
      return;
    }
    const update = (): void => {
      const st = this._player?.stats();
      if (st) this.statsEl.textContent = statsText(st);
    };
    update();
    this.statsTimer ??= setInterval(update, STATS_REFRESH_MS);
  }

  private showError(error: EmbedError): void {
    const st = this._player?.stats();
    const explained = explainError(error, { connections: st?.connections ?? 0, pageOrigin: location.origin, serverOrigin: this.serverOrigin });
    // Shown over the video while nothing plays: a fatal error, or a stream that never started.
    if (explained.fatal || (st !== undefined && st.state !== 'playing' && st.connections === 0)) {
      this.notice.textContent = `${explained.code}: ${explained.message}`;
      this.notice.hidden = false;
    }
    this.dispatch('pushcast-error', { code: explained.code, message: explained.message, fatal: explained.fatal } satisfies PushcastErrorDetail);
  }

  private dispatch(type: 'pushcast-state' | 'pushcast-error', detail: PushcastStateDetail | PushcastErrorDetail): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private readonly onUnmuteClick = (): void => {
    this.forcedMute = false;
    const player = this._player;
    if (!player) return;
    player.unmute().then(
      () => {
        this.unmuteButton.hidden = true;
      },
      (err: unknown) => this.showError({ code: 'PLAY_FAILED', message: `unmute failed: ${describeError(err)}`, fatal: false }),
    );
  };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  return node;
}

declare global {
  interface HTMLElementTagNameMap {
    'pushcast-player': PushcastPlayerElement;
  }
  interface HTMLElementEventMap {
    'pushcast-state': CustomEvent<PushcastStateDetail>;
    'pushcast-error': CustomEvent<PushcastErrorDetail>;
  }
}
