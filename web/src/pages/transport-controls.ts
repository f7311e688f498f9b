/**
 * One set of channel transport controls: play/pause, −10 s, a seek bar, +10 s and a position
 * label, acting for every viewer of the channel. The watch page hands in the elements of its HTML
 * (#play-toggle, #back, #seek, #forward, #position); a dashboard row makes its own with
 * `createTransportElements`. Both carry data-action="toggle|back|seek|forward" (the e2e tests
 * click them by that). The rules (labels, clamping, the bar while dragging) are in transport.ts.
 */
import type { ChannelInfo } from '../../../server/core/protocol.js';
import { dragLabel, positionView, skipTarget, SKIP_SEC, transportView, type TransportTitles } from './transport.js';

export type TransportCommand = 'play' | 'pause' | 'seek';

export interface TransportElements {
  toggle: HTMLButtonElement;
  back: HTMLButtonElement;
  forward: HTMLButtonElement;
  seek: HTMLInputElement;
  position: HTMLElement;
}

export interface TransportOptions {
  elements: TransportElements;
  titles: TransportTitles;
  /** The channel's last known state (null before one arrived). */
  channel(): ChannelInfo | null;
  /** Seconds into the file of what is shown now; null when unknown (live, another timeline). */
  position(): number | null;
  /** Sends a command for the channel; the page shows the reply. */
  send(type: TransportCommand, position?: number): void;
}

/** The elements a dashboard row needs (same attributes as the watch page's HTML). */
export function createTransportElements(ariaLabel: string, titles: TransportTitles): TransportElements {
  const button = (action: string, text: string, title: string): HTMLButtonElement => {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, title });
    b.dataset['action'] = action;
    return b;
  };
  const toggle = button('toggle', '', '');
  toggle.className = 'toggle';
  const seek = Object.assign(document.createElement('input'), { type: 'range', min: '0', step: '0.1', className: 'seek' });
  seek.dataset['action'] = 'seek';
  seek.setAttribute('aria-label', ariaLabel);
  return {
    toggle,
    back: button('back', `−${SKIP_SEC} s`, titles.back),
    forward: button('forward', `+${SKIP_SEC} s`, titles.forward),
    seek,
    position: Object.assign(document.createElement('span'), { className: 'position' }),
  };
}

export class TransportControls {
  /** The user is dragging the seek bar: do not move it under their finger. */
  private dragging = false;

  constructor(private readonly options: TransportOptions) {
    const { toggle, back, forward, seek, position } = options.elements;
    toggle.addEventListener('click', () => options.send(options.channel()?.playing ? 'pause' : 'play'));
    back.addEventListener('click', () => this.skip(-SKIP_SEC));
    forward.addEventListener('click', () => this.skip(SKIP_SEC));
    seek.addEventListener('input', () => {
      this.dragging = true;
      position.textContent = dragLabel(seek.value, options.channel()?.duration ?? null);
    });
    seek.addEventListener('change', () => {
      this.dragging = false;
      options.send('seek', Number(seek.value));
    });
    // A drag that ends where it began fires no 'change': stop holding the bar then too.
    for (const type of ['pointerup', 'blur'] as const) seek.addEventListener(type, () => (this.dragging = false));
  }

  /** Buttons, tooltips and position for the channel now; `why` ('' when allowed) disables them. */
  render(why = ''): void {
    const info = this.options.channel();
    if (!info) return;
    const { toggle, back, forward, seek } = this.options.elements;
    const view = transportView(info, why, this.options.titles);
    toggle.textContent = view.toggle.text;
    for (const [el, v] of [[toggle, view.toggle], [back, view.back], [forward, view.forward], [seek, view.seek]] as const) {
      el.disabled = v.disabled;
      el.title = v.title;
    }
    if (info.duration !== null) seek.max = String(info.duration);
    this.renderPosition();
  }

  /** The position label and seek bar only (between state updates, the position moves on). */
  renderPosition(): void {
    const info = this.options.channel();
    if (!info) return;
    const view = positionView(info.position, info.duration, info.position === null ? null : this.options.position(), this.dragging);
    if (!view) return;
    this.options.elements.position.textContent = view.label;
    if (view.barValue !== null) this.options.elements.seek.value = view.barValue;
  }

  private skip(deltaSec: number): void {
    const target = skipTarget(this.options.position(), deltaSec, this.options.channel()?.duration ?? null);
    if (target !== null) this.options.send('seek', target);
  }
}
