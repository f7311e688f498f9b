/**
 * The dashboard's "Add a channel" form and the Delete button on the rows of channels added at
 * runtime: POST /api/channels and DELETE /api/channels/<id> with the control token. The server
 * decides what a channel may be (server/channel/source-policy.ts); a refusal shows inline with its
 * stable code (`SOURCE_SCHEME_FORBIDDEN`, `CHANNEL_EXISTS` …). The new row itself arrives with the
 * next overview, as does a deleted row's removal. Everything is rendered with textContent.
 *
 * Delete asks twice: the first click turns the button into "Really delete?" for DELETE_ARM_MS.
 * `channelRequest` and `refusalOf` are pure.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { readErrorBody } from '../../../server/core/errors.js';
import '../styles/channel-form.css';

/** How long a first click on Delete waits for the second one, ms. */
export const DELETE_ARM_MS = 4_000;

export interface ChannelFields {
  id: string;
  source: string;
  transcode: string;
  keepAlive: boolean;
  openControl: boolean;
}

/** The POST body: trimmed id and source, the defaults left out so the server's apply. Pure. */
export function channelRequest(f: ChannelFields): Record<string, unknown> {
  return {
    id: f.id.trim(),
    source: f.source.trim(),
    ...(f.transcode !== '' && f.transcode !== 'auto' ? { transcode: f.transcode } : {}),
    ...(f.keepAlive ? { keepAlive: true } : {}),
    ...(f.openControl ? { openControl: true } : {}),
  };
}

/** A refused request's code and message, from the server's error body or the bare status. Pure. */
export function refusalOf(status: number, bodyText: string): { code: string; message: string } {
  let body: unknown = null;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // not JSON (a proxy's page): the status says what we know
  }
  const parsed = readErrorBody(body);
  if (parsed) return { code: parsed.code, message: parsed.message };
  return { code: `HTTP_${status}`, message: bodyText.slice(0, 200) || `the server answered ${status}` };
}

export interface ChannelAdmin {
  /** Adds or removes the row's Delete button for `info` (runtime channels only). */
  decorate(row: HTMLElement, info: ChannelInfo): void;
}

function show(target: HTMLElement, outcome: { code: string; message: string } | string): void {
  if (typeof outcome === 'string') {
    target.className = 'channel-ok';
    target.replaceChildren(outcome);
  } else {
    const code = document.createElement('code');
    code.textContent = outcome.code;
    target.className = 'cmd-error';
    target.replaceChildren(code, ` ${outcome.message}`);
  }
  target.hidden = false;
}

/** Sends a request with the token; null when it succeeded, else the refusal. */
async function send(method: string, url: string, token: string | null, body?: unknown): Promise<{ code: string; message: string } | null> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.ok) return null;
    return refusalOf(res.status, await res.text());
  } catch (err) {
    return { code: 'NETWORK', message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Wires the form inside `section` (#add-channel: a <form> and a status <p>) and returns what the
 * channel table calls for each row. `token` reads the control token at the moment of a request.
 */
export function startChannelForm(section: HTMLElement, token: () => string | null): ChannelAdmin {
  const form = section.querySelector('form')!;
  const status = section.querySelector<HTMLElement>('[data-role="status"]')!;
  const field = <T extends HTMLInputElement | HTMLSelectElement>(name: string): T => form.elements.namedItem(name) as T;

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const request = channelRequest({
      id: field<HTMLInputElement>('id').value,
      source: field<HTMLInputElement>('source').value,
      transcode: field<HTMLSelectElement>('transcode').value,
      keepAlive: field<HTMLInputElement>('keepAlive').checked,
      openControl: field<HTMLInputElement>('openControl').checked,
    });
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    submit.disabled = true;
    void send('POST', '/api/channels', token(), request).then((refusal) => {
      submit.disabled = false;
      if (refusal) {
        show(status, refusal);
        return;
      }
      show(status, `Added "${String(request['id'])}": it shows in the table with the next update.`);
      form.reset();
    });
  });

  return {
    decorate(row, info) {
      const controls = row.querySelector<HTMLElement>('td.control');
      if (!controls) return;
      let button = controls.querySelector<HTMLButtonElement>('button[data-action="delete"]');
      if (info.origin !== 'runtime') {
        button?.remove();
        return;
      }
      if (button) return;
      button = document.createElement('button');
      button.type = 'button';
      button.dataset['action'] = 'delete';
      button.className = 'delete-channel';
      button.textContent = 'Delete';
      button.title = 'Delete this channel (added at runtime): its viewers are told, its ffmpeg stops';
      const error = document.createElement('p');
      error.className = 'cmd-error';
      error.dataset['role'] = 'delete-error';
      error.hidden = true;
      let armed: ReturnType<typeof setTimeout> | null = null;
      const disarm = (b: HTMLButtonElement): void => {
        if (armed) clearTimeout(armed);
        armed = null;
        b.textContent = 'Delete';
        b.classList.remove('armed');
      };
      button.addEventListener('click', () => {
        const b = button!;
        if (!armed) {
          b.textContent = 'Really delete?';
          b.classList.add('armed');
          armed = setTimeout(() => disarm(b), DELETE_ARM_MS);
          return;
        }
        disarm(b);
        b.disabled = true;
        void send('DELETE', `/api/channels/${encodeURIComponent(info.id)}`, token()).then((refusal) => {
          b.disabled = false;
          if (refusal) show(error, refusal);
        });
      });
      (controls.querySelector('.controls') ?? controls).append(button);
      controls.append(error);
    },
  };
}
