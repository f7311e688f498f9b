/**
 * The entry of player.js (built as one ES module by web/vite.embed.config.ts, served at /player.js):
 * defines `<pushcast-player>` once, so a page that loads the script twice (two widgets, two copies)
 * gets no "already defined" exception.
 */
import { PushcastPlayerElement } from './pushcast-player.js';

export { PushcastPlayerElement };
export type { PushcastErrorDetail, PushcastStateDetail } from './pushcast-player.js';

if (!customElements.get('pushcast-player')) customElements.define('pushcast-player', PushcastPlayerElement);
