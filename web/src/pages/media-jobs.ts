/**
 * The dashboard's "media copies" panel: the faststart / MP4 copies the server is making in the
 * background (for progressive playback), with how far each one is and about how long it still
 * takes, from GET /api/media. Hidden while nothing is being made. `describeJob` is pure.
 */
import { formatSeconds } from './format.js';

/** The part of an /api/media entry this panel reads. */
export interface MediaJobEntry {
  path: string;
  playback: {
    variant: string;
    state: 'ready' | 'pending' | 'failed' | 'absent';
    progress: { fraction: number; etaSec: number | null } | null;
    error: { code: string; message: string } | null;
  } | null;
}

export interface JobView {
  path: string;
  /** e.g. "transcode · 42 % · about 12 s left", "remux · waiting for its turn", "faststart · failed: …". */
  label: string;
  /** 0–1 for the bar; null: no bar (queued, failed). */
  fraction: number | null;
  failed: boolean;
}

/** What the panel shows for one file, or null when there is nothing to say (ready, original). */
export function describeJob(entry: MediaJobEntry): JobView | null {
  const p = entry.playback;
  if (!p || p.state === 'ready' || p.state === 'absent') return null;
  if (p.state === 'failed') {
    return { path: entry.path, label: `${p.variant} · failed: ${p.error?.code ?? 'error'}`, fraction: null, failed: true };
  }
  if (!p.progress) return { path: entry.path, label: `${p.variant} · waiting for its turn`, fraction: null, failed: false };
  const pct = Math.floor(p.progress.fraction * 100);
  const eta = p.progress.etaSec === null ? '' : ` · about ${formatSeconds(p.progress.etaSec, 0)} left`;
  return { path: entry.path, label: `${p.variant} · ${pct} %${eta}`, fraction: p.progress.fraction, failed: false };
}

/** Polls /api/media every `intervalMs` and keeps `section` (with a <ul>) showing the jobs. */
export function startMediaJobs(section: HTMLElement, intervalMs = 2_000): () => void {
  const list = section.querySelector('ul')!;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const render = (views: JobView[]): void => {
    section.hidden = views.length === 0;
    list.replaceChildren(...views.map((v) => {
      const li = document.createElement('li');
      li.dataset['path'] = v.path;
      if (v.failed) li.className = 'error';
      const name = document.createElement('span');
      name.className = 'job-path';
      name.textContent = v.path;
      const label = document.createElement('span');
      label.className = 'job-label';
      label.textContent = v.label;
      li.append(name, ' ', label);
      if (v.fraction !== null) {
        const bar = document.createElement('progress');
        bar.max = 1;
        bar.value = v.fraction;
        li.append(' ', bar);
      }
      return li;
    }));
  };
  const poll = async (): Promise<void> => {
    try {
      const res = await fetch('/api/media', { cache: 'no-store' });
      if (res.ok) {
        const { files } = (await res.json()) as { files: MediaJobEntry[] };
        render(files.map(describeJob).filter((v): v is JobView => v !== null));
      }
    } catch {
      // The server is away (restarting): the socket badge says so; try again later.
    }
    if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
  };
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
