/**
 * The element's timed comments (the `comments` attribute): the watch page's comments layer
 * (pages/comments-layer.ts: comments drifting over the video at their media position, shown again
 * on every pass; the name / text / send / hide row under the video) run on the element's own
 * stage and form inside its shadow root. It runs while the attribute is set and a stream plays,
 * and is rebuilt for every stream (another channel, another server).
 */
import { CommentsLayer } from '../pages/comments-layer.js';
import type { Player } from '../player/player.js';

export class CommentsView {
  /** The row under the video: name, text, send, hide/show, status. */
  readonly form: HTMLFormElement;
  private readonly fields: { name: HTMLInputElement; text: HTMLInputElement; send: HTMLButtonElement; toggle: HTMLButtonElement; status: HTMLElement };
  private layer: CommentsLayer | null = null;
  private stream: { player: Player; channel: string } | null = null;
  private wanted = false;

  constructor(private readonly stage: HTMLElement, private readonly video: HTMLVideoElement) {
    const form = document.createElement('form');
    form.className = 'comment-form';
    form.setAttribute('part', 'comment-form');
    form.autocomplete = 'off';
    form.hidden = true;
    const input = (cls: string, placeholder: string, label: string, max?: number): HTMLInputElement => {
      const i = document.createElement('input');
      i.type = 'text';
      i.className = cls;
      i.placeholder = placeholder;
      i.setAttribute('aria-label', label);
      if (max !== undefined) i.maxLength = max;
      return i;
    };
    const button = (type: 'submit' | 'button', text: string): HTMLButtonElement => {
      const b = document.createElement('button');
      b.type = type;
      b.textContent = text;
      return b;
    };
    const status = document.createElement('span');
    status.className = 'comment-status';
    status.setAttribute('role', 'status');
    this.fields = {
      name: input('comment-name-input', 'name', 'your display name', 64),
      text: input('comment-text-input', 'Comment over the video…', 'comment'),
      send: button('submit', 'Send'),
      toggle: button('button', 'Hide comments'),
      status,
    };
    form.append(this.fields.name, this.fields.text, this.fields.send, this.fields.toggle, status);
    this.form = form;
  }

  /** A stream started on `channel`: the layer runs for it while comments are wanted. */
  attach(player: Player, channel: string): void {
    this.detach();
    this.stream = { player, channel };
    this.sync();
  }

  /** The stream ended: the layer goes, with every comment it showed. */
  detach(): void {
    this.stream = null;
    this.sync();
  }

  setVisible(visible: boolean): void {
    this.wanted = visible;
    this.sync();
  }

  private sync(): void {
    const run = this.wanted && this.stream !== null;
    if (!run && this.layer) {
      this.layer.stop();
      this.layer = null;
      this.form.hidden = true;
    }
    if (run && !this.layer && this.stream) {
      this.layer = new CommentsLayer(this.stream.player, this.stream.channel, { box: this.stage, video: this.video, form: this.form, ...this.fields });
      this.layer.start();
    }
  }
}
