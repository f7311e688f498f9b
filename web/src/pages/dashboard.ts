/**
 * Dashboard (/dashboard): connects as a controller (ControlClient, token from `#token=…` or
 * localStorage), subscribes to the `overview` feed and shows
 *  - one row per channel: source, kind, state (with the supervision while its source fails: attempt,
 *    "retry in 4 s", the last error's code and message), position / duration, bitrate, viewers,
 *    fragments skipped for slow viewers (drops), and controls
 *    (play/pause, seek bar, ±10 s: the TransportControls of transport-controls.ts, shared with the
 *    watch page; a "preview" toggle that plays the channel muted in a small <video>); a command's
 *    error shows inline with its code; changes made by another controller arrive with the next
 *    overview;
 *  - one row per connection: reported delay, drift from the channel position, buffer, mode, frames
 *    the browser dropped, fragments the server skipped for it (drops).
 * The connection badge says "reconnecting (attempt n)" while the dashboard's own socket is down.
 * Without a token (or with a refused one) it shows the "controller token needed" form instead.
 * `window.dashboard` exposes the client and the last overview for debugging and tests.
 */
import type { ChannelInfo, OverviewMessage, ViewerReport } from '../../../server/core/protocol.js';
import { ControlClient } from '../player/control-client.js';
import type { CommandReply } from '../player/commands.js';
import { defaultSocketUrl, Player } from '../player/player.js';
import { channelPositionAt } from '../player/progressive-rules.js';
import '../styles/main.css';
import { describeSupervision, formatBitrate, formatClock, formatSeconds } from './format.js';
import { forgetToken, readControlToken, storeToken } from './token.js';
import { startMediaJobs } from './media-jobs.js';
import { startChannelForm } from './channel-form.js';
import { SKIP_SEC } from './transport.js';
import { createTransportElements, TransportControls } from './transport-controls.js';
import { mountUploads } from './uploads.js';

declare global {
  interface Window {
    dashboard?: { client: ControlClient; overview: () => OverviewMessage | null };
  }
}

/** How often positions are re-extrapolated between overviews, ms. */
const POSITION_REFRESH_MS = 200;
const COLUMNS = 8;
const TITLES = { back: `Seek back ${SKIP_SEC} s`, forward: `Seek forward ${SKIP_SEC} s` };

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const connectionBadge = $('#connection');
const tokenForm = $('#token-form');
const tokenEntry = $<HTMLFormElement>('#token-entry');
const tokenInput = $<HTMLInputElement>('#token-input');
const tokenError = $('#token-error');
const forgetButton = $<HTMLButtonElement>('#forget-token');
const panel = $('#panel');
const channelsTable = $<HTMLTableElement>('#channels');
const viewersBody = $<HTMLTableElement>('#viewers').tBodies[0]!;
const noViewers = $('#no-viewers');
const channelAdmin = startChannelForm($('#add-channel'), readControlToken); // POST / DELETE /api/channels
const uploads = mountUploads($('#uploads'));

let client: ControlClient | null = null;
let lastOverview: OverviewMessage | null = null;
const rows = new Map<string, ChannelRow>();
/** Session ids of this page's preview players, labelled in the viewers table. */
const previewSessions = new Map<string, string>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Where a channel is now, seconds into the file (extrapolated while it plays); null for live. */
function positionNow(info: ChannelInfo): number | null {
  if (info.position === null) return null;
  // A stopped channel's playhead does not move (the file resumes where it stopped).
  if (info.status !== 'running' || !client) return info.position;
  return channelPositionAt(info, client.serverNow(), info.duration);
}

/** One channel: a <tbody> with the main row and, while previewing, a row with the small video. */
class ChannelRow {
  readonly body = document.createElement('tbody');
  private info: ChannelInfo | null = null;
  private readonly cells: HTMLTableCellElement[];
  private readonly name = el('a');
  private readonly status = el('span', { className: 'badge' });
  private readonly playState = el('span', { className: 'muted' });
  private readonly supervisionText = el('span', { className: 'warn' });
  private readonly supervisionError = el('span', { className: 'error-text' });
  private readonly supervision = el('div', { className: 'supervision', hidden: true }, this.supervisionText, ' ', this.supervisionError);
  private readonly transport: TransportControls;
  private readonly previewToggle = el('button', { type: 'button', textContent: 'Preview', title: 'Play this channel here, muted' });
  private readonly error = el('p', { className: 'cmd-error', hidden: true });
  private readonly previewRow = el('tr', { className: 'preview-row', hidden: true });
  private preview: { player: Player; video: HTMLVideoElement } | null = null;

  constructor(readonly id: string) {
    const main = el('tr');
    main.dataset['channel'] = id;
    this.name.href = `/watch/${encodeURIComponent(id)}`;
    this.name.textContent = id;
    this.name.target = '_blank';
    const controls = createTransportElements(`${id} position`, TITLES);
    this.transport = new TransportControls({
      elements: controls,
      titles: TITLES,
      channel: () => this.info,
      position: () => (this.info ? positionNow(this.info) : null),
      send: (type, position) => this.send(type, position),
    });
    this.previewToggle.dataset['action'] = 'preview';
    this.previewToggle.setAttribute('aria-pressed', 'false');
    this.cells = Array.from({ length: COLUMNS }, () => main.insertCell());
    const [name, , state, position, bitrate, viewers, drops, control] = this.cells;
    name!.append(this.name, el('div', { className: 'source muted' }));
    state!.append(this.status, ' ', this.playState, this.supervision);
    state!.dataset['cell'] = 'state';
    position!.append(controls.position);
    bitrate!.className = 'num';
    viewers!.className = 'num';
    drops!.className = 'num';
    drops!.dataset['cell'] = 'drops';
    drops!.title = 'Fragments skipped for this channel\'s viewers whose connection could not keep up';
    control!.className = 'control';
    control!.append(
      el('div', { className: 'controls' }, controls.toggle, controls.back, controls.seek, controls.forward, this.previewToggle),
      this.error,
    );
    const previewCell = this.previewRow.insertCell();
    previewCell.colSpan = COLUMNS;
    this.body.append(main, this.previewRow);

    this.previewToggle.addEventListener('click', () => (this.preview ? this.stopPreview() : this.startPreview()));
  }

  update(info: ChannelInfo): void {
    this.info = info;
    const [name, kind, , , bitrate, viewers, drops] = this.cells;
    (name!.lastElementChild as HTMLElement).textContent = info.source;
    name!.title = info.source;
    kind!.textContent = info.kind === 'file' ? 'file' : info.kind === 'test' ? 'live (test)' : 'live';
    this.status.className = `badge ${info.status}`;
    this.status.textContent = info.status;
    this.status.title = info.error ? `${info.error.code}: ${info.error.message}` : '';
    this.playState.textContent = info.playing ? 'playing' : 'paused';
    bitrate!.textContent = formatBitrate(info.bitrate);
    viewers!.textContent = String(info.viewers);
    drops!.textContent = String(info.drops);
    drops!.classList.toggle('warn', info.drops > 0);
    this.transport.render(); // a dashboard is a controller: every control is allowed
    this.refreshSupervision();
  }

  /** Re-extrapolates the position and counts "retry in N s" down (between overviews). */
  refreshPosition(): void {
    this.refreshSupervision();
    this.transport.renderPosition();
  }

  private refreshSupervision(): void {
    const info = this.info;
    if (!info) return;
    const sup = describeSupervision(info, client?.serverNow() ?? Date.now());
    this.supervisionText.textContent = sup.text;
    this.supervisionError.textContent = sup.error;
    this.supervisionError.title = sup.error;
    // A running channel's old error stays in the badge's tooltip only: it recovered.
    this.supervision.hidden = sup.text === '' && (sup.error === '' || info.status === 'running' || info.status === 'idle');
  }

  destroy(): void {
    this.stopPreview();
    this.body.remove();
  }

  private send(type: 'play' | 'pause' | 'seek', position?: number): void {
    if (!client) return;
    this.body.classList.add('pending');
    void client.command(this.id, type, position).then((reply: CommandReply) => {
      this.body.classList.remove('pending');
      this.showReply(type, reply);
    });
  }

  private showReply(type: string, reply: CommandReply): void {
    if (reply.type === 'ack') {
      this.error.hidden = true;
      this.error.replaceChildren();
      return;
    }
    this.error.replaceChildren(el('code', { textContent: reply.code }), ` ${type}: ${reply.message}`);
    this.error.hidden = false;
  }

  private startPreview(): void {
    const video = el('video', { muted: true, playsInline: true, className: 'preview' });
    video.muted = true; // the property, not only the attribute: autoplay policies check it
    const player = new Player();
    player.on('session', ({ sessionId }) => previewSessions.set(sessionId, this.id));
    player.on('error', (e) => {
      if (e.fatal) this.showReply('preview', { type: 'error', id: '', code: e.code, message: e.message });
    });
    this.previewRow.cells[0]!.replaceChildren(video);
    this.previewRow.hidden = false;
    player.attach(video);
    player.load(this.id);
    this.preview = { player, video };
    this.previewToggle.setAttribute('aria-pressed', 'true');
  }

  private stopPreview(): void {
    if (!this.preview) return;
    this.preview.player.destroy();
    this.preview.video.remove();
    this.preview = null;
    this.previewRow.hidden = true;
    this.previewToggle.setAttribute('aria-pressed', 'false');
  }
}

function renderChannels(channels: readonly ChannelInfo[]): void {
  const seen = new Set<string>();
  for (const info of channels) {
    seen.add(info.id);
    let row = rows.get(info.id);
    if (!row) {
      row = new ChannelRow(info.id);
      rows.set(info.id, row);
    }
    row.update(info);
    channelAdmin.decorate(row.body, info); // a Delete button on runtime channels
    channelsTable.append(row.body); // (re)appending keeps the server's order
  }
  for (const [id, row] of rows) {
    if (seen.has(id)) continue;
    row.destroy();
    rows.delete(id);
  }
}

function renderViewers(viewers: readonly ViewerReport[]): void {
  const now = client?.serverNow() ?? Date.now();
  const trs = viewers.map((v) => {
    const r = v.report;
    const tr = el('tr');
    tr.dataset['session'] = v.sessionId;
    const label = v.sessionId === client?.sessionId ? ' (this dashboard)' : previewSessions.has(v.sessionId) ? ' (preview)' : '';
    const drift = r?.driftMs ?? null;
    const cells: Array<[string, string]> = [
      [`${v.sessionId}${label}`, ''],
      [v.channel ?? '–', ''],
      [v.role, ''],
      [r?.mode ?? '–', ''],
      [formatSeconds(r?.delaySec ?? null), 'num'],
      [drift === null ? '–' : `${drift > 0 ? '+' : ''}${Math.round(drift)} ms`, `num${drift !== null && Math.abs(drift) > 100 ? ' warn' : ''}`],
      [r ? formatSeconds(r.bufferSec) : '–', 'num'],
      [r ? String(r.droppedFrames) : '–', 'num'],
      [String(v.drops), `num${v.drops > 0 ? ' warn' : ''}`],
      [formatClock(Math.max(0, (now - v.connectedAt) / 1000)).replace(/\.\d$/, ''), 'num'],
    ];
    for (const [text, className] of cells) tr.append(el('td', { textContent: text, className }));
    return tr;
  });
  viewersBody.replaceChildren(...trs);
  noViewers.hidden = viewers.length > 0;
}

function setConnection(text: string, className: string): void {
  connectionBadge.textContent = text;
  connectionBadge.className = `badge ${className}`;
}

function askForToken(message: string | null): void {
  client?.stop();
  client = null;
  panel.hidden = true;
  tokenForm.hidden = false;
  forgetButton.hidden = true;
  tokenError.hidden = message === null;
  tokenError.textContent = message ?? '';
  setConnection('no token', 'error');
  tokenInput.focus();
}

function connect(token: string): void {
  client?.stop();
  tokenForm.hidden = true;
  panel.hidden = false;
  forgetButton.hidden = false;
  const c = new ControlClient(defaultSocketUrl(), token);
  uploads.connect(token);
  client = c;
  window.dashboard = { client: c, overview: () => lastOverview };
  c.on('state', ({ to, reason }) => {
    panel.classList.toggle('stale', to !== 'subscribed');
    if (to === 'subscribed') setConnection('connected', 'running');
    else if (to === 'connecting') setConnection(reason ? 'reconnecting…' : 'connecting…', 'starting');
    else if (to === 'forbidden') {
      forgetToken();
      askForToken(`The server refused this token (${reason ?? 'FORBIDDEN'}). Check the link the server printed.`);
    } else if (to === 'closed' && reason) setConnection(reason, 'error');
  });
  c.on('overview', (m) => {
    lastOverview = m;
    renderChannels(m.channels);
    renderViewers(m.viewers);
  });
  c.on('disconnect', ({ attempt }) => setConnection(`reconnecting (attempt ${attempt})`, 'starting'));
  c.on('error', (e) => console.warn(`pushcast dashboard: ${e.code}: ${e.message}`));
  c.start();
}

tokenEntry.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = tokenInput.value.trim();
  if (token === '') return;
  storeToken(token);
  tokenInput.value = '';
  connect(token);
});
forgetButton.addEventListener('click', () => {
  forgetToken();
  askForToken(null);
});
setInterval(() => {
  for (const row of rows.values()) row.refreshPosition();
}, POSITION_REFRESH_MS);

const token = readControlToken();
if (token === null) askForToken(null);
else connect(token);
startMediaJobs($('#media-jobs'));
