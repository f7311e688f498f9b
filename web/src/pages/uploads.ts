/**
 * The dashboard's upload panel (#uploads in dashboard.html): pick a video file and it goes to the
 * server over tus (tus-js-client, /api/uploads, the control token as a bearer) in resumable chunks,
 * with a progress bar (bytes, %, speed, time left: upload-progress.ts), pause / resume / cancel, and
 * the outcome the final answer carries (the channel it became, or why it was refused).
 *
 * Resuming: the unfinished uploads the server holds are listed (GET /api/uploads); a browser can
 * only read a file the user picks, so "Resume" asks for the file again. A picked file continues the
 * server's upload of the same name and size, else the one tus-js-client remembers for it in
 * localStorage (its fingerprint: name, type, size, mtime, endpoint), else a new upload starts.
 * All text goes in through textContent.
 */
import { DetailedError, Upload, type PreviousUpload } from 'tus-js-client';
import { readErrorBody } from '../../../server/core/errors.js';
import '../styles/uploads.css';
import { describeProgress, matchUnfinished, RateMeter, type UnfinishedUpload } from './upload-progress.js';

const ENDPOINT_PATH = '/api/uploads';
/** One PATCH per chunk: well under the server's 60 s request timeout on a slow line, and a lost chunk costs little. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** Waits between tries after a network error or a 5xx, ms (then the upload stops and can be resumed). */
const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000];
const LIST_REFRESH_MS = 30_000;

export interface UploadPanel {
  /** Starts using `token` (the dashboard connected with it): lists unfinished uploads. */
  connect(token: string): void;
}

type State = 'idle' | 'uploading' | 'paused' | 'finishing';

export function mountUploads(root: HTMLElement): UploadPanel {
  const q = <T extends HTMLElement>(sel: string): T => root.querySelector<T>(sel)!;
  const input = q<HTMLInputElement>('#upload-file');
  const current = q('#upload-current');
  const nameEl = q('#upload-name');
  const stateEl = q('#upload-state');
  const bar = q<HTMLProgressElement>('#upload-progress');
  const stats = q('#upload-stats');
  const pauseButton = q<HTMLButtonElement>('#upload-pause');
  const resumeButton = q<HTMLButtonElement>('#upload-resume');
  const cancelButton = q<HTMLButtonElement>('#upload-cancel');
  const outcome = q('#upload-outcome');
  const listBody = q<HTMLTableElement>('#unfinished').tBodies[0]!;
  const noneText = q('#no-unfinished');
  const endpoint = new URL(ENDPOINT_PATH, location.href).href;

  let token: string | null = null;
  let upload: Upload | null = null;
  let state: State = 'idle';
  let unfinished: UnfinishedUpload[] = [];
  const meter = new RateMeter();
  const auth = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

  function setState(next: State): void {
    state = next;
    root.dataset['state'] = next;
    stateEl.textContent = next;
    stateEl.className = `badge ${next === 'uploading' || next === 'finishing' ? 'starting' : next === 'paused' ? 'mode' : ''}`;
    pauseButton.hidden = next !== 'uploading';
    resumeButton.hidden = next !== 'paused';
    cancelButton.hidden = next === 'idle' || next === 'finishing';
    input.disabled = next !== 'idle';
  }

  function showOutcome(kind: 'ok' | 'error' | 'note', text: string, link?: { href: string; text: string }): void {
    outcome.className = `status${kind === 'error' ? ' error' : ''}`;
    outcome.dataset['outcome'] = kind;
    outcome.replaceChildren(text);
    if (link) outcome.append(' ', Object.assign(document.createElement('a'), { href: link.href, textContent: link.text, target: '_blank' }));
    outcome.hidden = false;
  }

  function showProgress(sent: number, total: number): void {
    meter.sample(sent, performance.now());
    const p = describeProgress(sent, total, meter.rate());
    bar.max = 100;
    bar.value = p.percent;
    bar.dataset['percent'] = String(p.percent);
    stats.textContent = p.text;
  }

  async function refreshList(): Promise<void> {
    if (!token) return;
    try {
      const res = await fetch(endpoint, { headers: auth(), cache: 'no-store' });
      if (!res.ok) return;
      unfinished = ((await res.json()) as { uploads: UnfinishedUpload[] }).uploads;
    } catch {
      return; // the dashboard's own badge shows the server is away
    }
    renderList();
  }

  function renderList(): void {
    const rows = unfinished.map((u) => {
      const tr = document.createElement('tr');
      tr.dataset['upload'] = u.id;
      const received = u.size ? `${Math.floor((u.offset / u.size) * 100)} %` : `${u.offset} B`;
      const cells = [u.filename ?? '(no name)', received, u.created ? new Date(u.created).toLocaleString() : '–', u.expires ? new Date(u.expires).toLocaleString() : 'never'];
      for (const [i, text] of cells.entries()) tr.append(Object.assign(document.createElement('td'), { textContent: text, className: i === 1 ? 'num' : '' }));
      const resume = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Resume…', title: 'Choose the same file again to continue where it stopped' });
      resume.addEventListener('click', () => input.click());
      const discard = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Discard', title: 'Delete what the server received' });
      discard.addEventListener('click', () => void discardUpload(u.id));
      resume.disabled = discard.disabled = state !== 'idle';
      tr.append(Object.assign(document.createElement('td'), { className: 'controls' }));
      tr.lastElementChild!.append(resume, discard);
      return tr;
    });
    listBody.replaceChildren(...rows);
    noneText.hidden = rows.length > 0;
  }

  async function discardUpload(id: string): Promise<void> {
    await fetch(`${endpoint}/${id}`, { method: 'DELETE', headers: { ...auth(), 'Tus-Resumable': '1.0.0' } }).catch(() => undefined);
    await refreshList();
  }

  /** The outcome of a finished upload: the final PATCH's headers, else the server's memory of it. */
  async function finished(url: string | null, channel: string | undefined, file: string | undefined): Promise<void> {
    if (!channel && url) {
      const res = await fetch(url, { headers: auth(), cache: 'no-store' }).catch(() => null);
      const body = res?.ok ? ((await res.json()) as { state?: string; channel?: string | null; error?: { code: string; message: string } }) : null;
      if (body?.state === 'rejected' && body.error) return showRefusal(body.error.code, body.error.message);
      channel = body?.channel ?? undefined;
    }
    if (channel) showOutcome('ok', `Done: channel ${channel} created.`, { href: `/watch/${encodeURIComponent(channel)}`, text: 'Watch' });
    else showOutcome('ok', `Done${file ? `: ${decodeURIComponent(file)} is in the media folder` : ''}.`);
  }

  function showRefusal(code: string, message: string): void {
    showOutcome('error', `Refused (${code}): ${message}`);
  }

  function failed(err: Error): void {
    const res = err instanceof DetailedError ? err.originalResponse : null;
    const parsed = res ? (() => { try { return readErrorBody(JSON.parse(res.getBody())); } catch { return null; } })() : null;
    if (parsed && res && res.getStatus() === 422) showRefusal(parsed.code, parsed.message);
    else if (parsed) showOutcome('error', `Upload stopped (${parsed.code}): ${parsed.message}`);
    else showOutcome('error', `Upload stopped: ${res ? `HTTP ${res.getStatus()}` : 'the connection failed'}. Choose the file again to resume.`);
  }

  async function start(file: File): Promise<void> {
    if (state !== 'idle' || !token) return;
    outcome.hidden = true;
    meter.reset();
    nameEl.textContent = file.name;
    current.hidden = false;
    showProgress(0, file.size);
    setState('uploading');
    const match = matchUnfinished(file, unfinished);
    const up: Upload = new Upload(file, {
      endpoint,
      ...(match ? { uploadUrl: `${endpoint}/${match.id}` } : {}),
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type },
      headers: auth(),
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        showProgress(sent, total);
        if (sent === total) setState('finishing');
      },
      onSuccess: ({ lastResponse }) => {
        upload = null;
        setState('idle');
        showProgress(file.size, file.size);
        void finished(up.url, lastResponse.getHeader('X-Pushcast-Channel'), lastResponse.getHeader('X-Pushcast-File')).then(refreshList);
      },
      onError: (err) => {
        upload = null;
        setState('idle');
        failed(err);
        void refreshList();
      },
    });
    upload = up;
    if (!match) {
      const previous: PreviousUpload[] = await up.findPreviousUploads().catch(() => []);
      if (previous[0]) up.resumeFromPreviousUpload(previous[0]);
    }
    up.start();
    renderList();
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = ''; // picking the same file again (to resume it) fires change again
    if (file) void start(file);
  });
  pauseButton.addEventListener('click', () => {
    if (!upload || state !== 'uploading') return;
    setState('paused');
    void upload.abort(false).then(refreshList);
  });
  resumeButton.addEventListener('click', () => {
    if (!upload || state !== 'paused') return;
    meter.reset();
    setState('uploading');
    upload.start();
  });
  cancelButton.addEventListener('click', () => {
    const up = upload;
    if (!up) return;
    upload = null;
    setState('idle');
    showOutcome('note', 'Upload cancelled; what the server had received is deleted.');
    void up.abort(true).catch(() => undefined).then(refreshList);
  });
  setInterval(() => void refreshList(), LIST_REFRESH_MS);
  setState('idle');

  return {
    connect(t) {
      token = t;
      void refreshList();
    },
  };
}
