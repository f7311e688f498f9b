/**
 * Channel list: GET /api/channels every 2 s, one table row per channel, each linking to
 * /watch/<id>. Rows are updated in place (keyed by id) so links keep focus across refreshes.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import '../styles/main.css';
import { formatBitrate } from './format.js';

const REFRESH_MS = 2000;

const statusLine = document.querySelector<HTMLParagraphElement>('#status')!;
const table = document.querySelector<HTMLTableElement>('#channels')!;
const tbody = table.tBodies[0]!;
const rows = new Map<string, HTMLTableRowElement>();

function cell(row: HTMLTableRowElement, className = ''): HTMLTableCellElement {
  const td = row.insertCell();
  if (className) td.className = className;
  return td;
}

function createRow(id: string): HTMLTableRowElement {
  const row = document.createElement('tr');
  const link = document.createElement('a');
  link.href = `/watch/${encodeURIComponent(id)}`;
  link.textContent = id;
  cell(row).append(link);
  cell(row); // kind
  cell(row).append(document.createElement('span')); // status badge
  cell(row, 'num'); // viewers
  cell(row, 'codecs');
  cell(row, 'num'); // bitrate
  return row;
}

function updateRow(row: HTMLTableRowElement, ch: ChannelInfo): void {
  const [name, kind, status, viewers, codecs, bitrate] = Array.from(row.cells);
  name!.title = ch.source;
  kind!.textContent = ch.kind;
  const badge = status!.firstElementChild as HTMLSpanElement;
  badge.className = `badge ${ch.status}`;
  badge.textContent = ch.status;
  badge.title = ch.error ? `${ch.error.code}: ${ch.error.message}` : '';
  viewers!.textContent = String(ch.viewers);
  codecs!.textContent = ch.codecs.length > 0 ? ch.codecs.join(', ') : '–';
  bitrate!.textContent = formatBitrate(ch.bitrate);
}

function render(channels: readonly ChannelInfo[]): void {
  const seen = new Set<string>();
  for (const ch of channels) {
    seen.add(ch.id);
    let row = rows.get(ch.id);
    if (!row) {
      row = createRow(ch.id);
      rows.set(ch.id, row);
    }
    updateRow(row, ch);
    tbody.append(row); // (re)appending keeps the server's order
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  table.hidden = channels.length === 0;
  statusLine.classList.remove('error');
  statusLine.textContent = channels.length === 0 ? 'No channels configured.' : '';
  statusLine.hidden = channels.length > 0;
}

function showError(message: string): void {
  statusLine.hidden = false;
  statusLine.classList.add('error');
  statusLine.textContent = `Cannot load channels: ${message} (retrying)`;
}

async function refresh(): Promise<void> {
  try {
    const res = await fetch('/api/channels', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const body = (await res.json()) as { channels?: unknown };
    if (!Array.isArray(body.channels)) throw new Error('response has no "channels" array');
    render(body.channels as ChannelInfo[]);
  } catch (err) {
    showError(err instanceof Error ? err.message : String(err));
  } finally {
    setTimeout(() => void refresh(), REFRESH_MS);
  }
}

void refresh();
