/**
 * The watch page's links to a moment (moment.ts has the rules):
 *  - opened with `?t=90` (or `#t=90`, `t=1m30s`…): a page that controls the channel (controller
 *    token, or open control) seeks the shared channel there once, as soon as the player knows its
 *    role, and then drops `t` from the address (a reload must not move everyone again; a reconnect
 *    never does); any other viewer keeps watching the channel as it is and gets a one-click
 *    "watch alone from 1:30" link to `/play/<the channel's file>?t=90` (file channels only);
 *  - "copy link at this moment" copies `<origin>/watch/<id>?t=<position, whole seconds>` of a file
 *    channel, or shows it in a text field to copy by hand when the clipboard is not available.
 */
import type { PlayerError } from '../player/errors.js';
import type { Player } from '../player/player.js';
import { addressWithoutStartTime, copyText, decideStartAt, momentUrl, type ClipboardLike } from './moment.js';
import { formatStartTime, startTimeFromUrl } from './start-time.js';

export interface MomentElements {
  /** The bar holding the rest; shown for file channels. */
  box: HTMLElement;
  alone: HTMLAnchorElement;
  copy: HTMLButtonElement;
  /** The link to copy by hand, when the clipboard refused it. */
  field: HTMLInputElement;
  /** "copied", the start-at outcome, an ignored `t`. */
  status: HTMLElement;
}

/** How long "copied" stays, ms. */
const COPIED_SHOWN_MS = 2500;

export function setupWatchMoments(player: Player, el: MomentElements, showError: (e: Pick<PlayerError, 'code' | 'message' | 'fatal'>) => void): void {
  const startTime = startTimeFromUrl(location.search, location.hash);
  const start = startTime?.ok ? startTime.sec : null;
  if (startTime?.ok === false) el.status.textContent = `ignored t=${startTime.raw}: not a time`;

  let decided = false;
  const decide = (): void => {
    if (decided) return;
    const action = decideStartAt({ start, role: player.role, info: player.channel, progressive: player.stats().mode === 'progressive' });
    if (action.kind === 'wait') return;
    decided = true;
    if (action.kind === 'offer') {
      el.alone.href = action.href;
      el.alone.textContent = `watch alone from ${formatStartTime(start ?? 0)}`;
      el.alone.title = 'Play the file on its own from there (the shared channel goes on without you)';
      el.alone.hidden = false;
    } else if (action.kind === 'seek') {
      void player.command('seek', action.position).then((reply) => {
        if (reply.type === 'error') {
          showError({ code: reply.code, message: `start at ${formatStartTime(action.position)}: ${reply.message}`, fatal: false });
          return;
        }
        el.status.textContent = `moved the channel to ${formatStartTime(action.position)}`;
        history.replaceState(history.state, '', addressWithoutStartTime(location.pathname, location.search, location.hash));
      });
    }
  };
  player.on('session', decide);
  player.on('channel', decide);
  player.on('mode', decide);

  player.on('channel', (info) => {
    el.box.hidden = info.kind !== 'file';
  });

  let statusTimer: ReturnType<typeof setTimeout> | null = null;
  el.copy.addEventListener('click', () => {
    const info = player.channel;
    const position = player.stats().position;
    if (info === null || position === null) {
      el.status.textContent = 'no position yet: try again in a moment';
      return;
    }
    const link = momentUrl(location.origin, info.id, position);
    // Absent outside secure contexts (plain http to a non-local host), whatever the DOM types say.
    const clipboard = navigator.clipboard as ClipboardLike | undefined;
    void copyText(link, clipboard).then((result) => {
      if (statusTimer !== null) clearTimeout(statusTimer);
      el.field.value = link;
      el.field.hidden = result === 'copied';
      if (result === 'copied') {
        el.status.textContent = 'copied';
        statusTimer = setTimeout(() => {
          if (el.status.textContent === 'copied') el.status.textContent = '';
        }, COPIED_SHOWN_MS);
      } else {
        el.status.textContent = 'copy this link:';
        el.field.focus();
        el.field.select();
      }
    });
  });
}
