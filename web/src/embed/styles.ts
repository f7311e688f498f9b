/**
 * The element's own styles, inside its shadow root: nothing leaks into the embedding page and the
 * page's rules do not reach in (except through `::part(stage | video | notice | stats | unmute |
 * comment-form)` and the `--pushcast-*` custom properties below). The stage is sized like a
 * video: 100 % of the element's width, 16:9; the comment row, when shown, goes under it.
 *
 * Adopted as a constructed stylesheet where the browser has them: a `<style>` element would count
 * as an inline style under the embedding page's Content-Security-Policy (CSP3 §6.1.11), which may
 * well refuse 'unsafe-inline'; a constructed sheet is not subject to it.
 */
export const ELEMENT_CSS = `
:host {
  display: block;
  width: 100%;
  color: var(--pushcast-color, #eee);
  font: 13px/1.4 system-ui, sans-serif;
  contain: content;
}
:host([hidden]) { display: none; }
.stage {
  position: relative; width: 100%; aspect-ratio: 16 / 9; overflow: hidden;
  background: var(--pushcast-background, #000);
}
video { display: block; width: 100%; height: 100%; object-fit: contain; background: inherit; }
.notice {
  position: absolute; inset: auto 8% 40% 8%; margin: 0; padding: 8px 12px; text-align: center;
  background: rgba(0, 0, 0, 0.75); border-radius: 6px; overflow-wrap: anywhere;
}
.stats {
  position: absolute; top: 8px; left: 8px; margin: 0; padding: 6px 8px; pointer-events: none;
  font: 11px/1.35 ui-monospace, monospace; background: rgba(0, 0, 0, 0.65); border-radius: 4px;
  white-space: pre;
}
.unmute {
  position: absolute; left: 8px; bottom: 48px; padding: 6px 10px; cursor: pointer;
  font: inherit; color: #000; background: #fff; border: 0; border-radius: 4px;
}
/* Timed comments (pages/comments-layer.ts draws them): the watch page's rules, for this shadow root. */
.comments-layer { position: absolute; inset: 0; overflow: hidden; pointer-events: none; }
.comments-layer .comment {
  position: absolute; left: 100%; white-space: nowrap; font-size: 20px; font-weight: 600; line-height: 26px;
  color: #fff; text-shadow: 0 0 3px #000, 0 0 2px #000; unicode-bidi: isolate;
  animation-name: pushcast-drift; animation-timing-function: linear; animation-fill-mode: forwards;
}
.comments-layer.paused .comment { animation-play-state: paused; }
.comments-layer .comment-name { font-size: 13px; font-weight: 500; color: #cfe3ff; margin-right: 6px; unicode-bidi: isolate; }
.comments-layer .comment-text { unicode-bidi: isolate; }
.comments-layer .comment.deletable { pointer-events: auto; cursor: pointer; }
@keyframes pushcast-drift { from { transform: translateX(0); } to { transform: translateX(calc(-1 * var(--travel, 100vw) - 100%)); } }
.comment-form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 0; color: var(--pushcast-form-color, inherit); }
.comment-form input, .comment-form button { font: inherit; padding: 3px 8px; }
.comment-form .comment-name-input { width: 8em; }
.comment-form .comment-text-input { flex: 1; min-width: 10em; }
[hidden] { display: none !important; }
`;

/** Puts ELEMENT_CSS into `root`: a constructed stylesheet, else a `<style>` element. */
export function adoptStyles(root: ShadowRoot, css: string = ELEMENT_CSS): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  root.append(style);
}
