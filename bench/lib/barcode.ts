/**
 * The on-screen clock every delay and sync benchmark reads. A row of black/white squares is burnt
 * into each source frame by ffmpeg filters, and read back in the page from the frame the browser
 * actually presents (requestVideoFrameCallback + a canvas), so the numbers are what a viewer sees,
 * not what the player believes about itself.
 *
 * The code is a millisecond count, least significant bit on the left, modulo 2^BITS:
 *  - 'wallclock': Date.now() at the moment ffmpeg made the frame (the pts is replaced by the
 *    real-time clock before the squares are drawn, then renumbered), for glass-to-glass delay;
 *  - 'media': the frame's own media time, for comparing what two viewers show.
 * Squares are 32 px, big enough to survive x264 at 1–2 Mbit/s; the reader samples their centres.
 */
export const BITS = 24;
export const SQUARE = 32;
export const MODULO = 2 ** BITS;

export type BarcodeClock = 'wallclock' | 'media';

export interface BarcodeSource {
  size?: string;
  fps?: number;
  clock: BarcodeClock;
  /**
   * 'wallclock' only: keep the RTC as the timestamps, minus this many ms since the Unix epoch,
   * so that a tone stamped the same way (source.ts) lines up with the picture by capture time.
   * Without it the frames are renumbered from 0.
   */
  epochMs?: number;
}

/** A lavfi graph for `-f lavfi -i <graph>`: testsrc2 with the code in its top-left corner. */
export function barcodeGraph({ size = '1280x720', fps = 30, clock, epochMs }: BarcodeSource): string {
  const width = BITS * SQUARE;
  const bit = `255*mod(floor(mod(floor(T*1000)\\,${MODULO})/pow(2\\,floor(X/${SQUARE})))\\,2)`;
  // 'wallclock' paces frames to real time (realtime) and stamps them with the RTC in ms.
  const clockIn = clock === 'wallclock' ? 'realtime,settb=1/1000,setpts=RTCTIME/1000,' : 'settb=1/1000,';
  const clockOut = clock !== 'wallclock' ? '' : epochMs !== undefined ? `,setpts=PTS-${Math.round(epochMs)}` : `,setpts=N*1000/${fps}`;
  return `testsrc2=s=${size}:r=${fps},format=yuv420p,${clockIn}split[a][b];` +
    `[b]crop=${width}:${SQUARE}:0:0,geq=lum='${bit}':cb=128:cr=128[bar];` +
    `[a][bar]overlay=0:0:format=yuv420${clockOut}`;
}

/** Signed difference a − b of two codes, assuming they are within MODULO / 2 of each other. */
export function codeDiff(a: number, b: number): number {
  const d = (((a - b) % MODULO) + MODULO) % MODULO;
  return d >= MODULO / 2 ? d - MODULO : d;
}

/** One presented frame as the page saw it. */
export interface Sample {
  /** Wall-clock ms when the compositor shows the frame (timeOrigin + expectedDisplayTime). */
  shownAt: number;
  /** The decoded code, or null when the squares could not be read (no frame, wrong size). */
  code: number | null;
  /** The frame's media time in ms as the browser reports it (rVFC metadata.mediaTime). */
  mediaMs: number;
}

/**
 * Installed in a page (page.addInitScript(BARCODE_READER)): watches the first <video> that appears
 * and pushes a Sample for every presented frame into window.__barcode (the last 20 000 are kept).
 * A square reads as 1 when its centre's mean luma is above the mean of the darkest and brightest
 * square of the row, so it holds under any brightness scaling.
 */
export const BARCODE_READER = `(() => {
  const BITS = ${BITS}, SQUARE = ${SQUARE};
  const samples = []; window.__barcode = samples;
  const canvas = document.createElement('canvas');
  canvas.width = BITS * SQUARE; canvas.height = SQUARE;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const read = (video) => {
    if (video.videoWidth < BITS * SQUARE) return null;
    ctx.drawImage(video, 0, 0, BITS * SQUARE, SQUARE, 0, 0, BITS * SQUARE, SQUARE);
    const px = ctx.getImageData(0, 0, BITS * SQUARE, SQUARE).data;
    const lum = [];
    for (let b = 0; b < BITS; b++) {
      let sum = 0, n = 0;
      for (let y = SQUARE / 4; y < (3 * SQUARE) / 4; y += 2) for (let x = b * SQUARE + SQUARE / 4; x < b * SQUARE + (3 * SQUARE) / 4; x += 2) {
        const i = (y * BITS * SQUARE + x) * 4; sum += px[i + 1]; n++;
      }
      lum.push(sum / n);
    }
    const lo = Math.min(...lum), hi = Math.max(...lum);
    if (hi - lo < 80) return null;
    const cut = (lo + hi) / 2; let code = 0;
    for (let b = 0; b < BITS; b++) if (lum[b] > cut) code += 2 ** b;
    return code;
  };
  const watch = (video) => {
    let handle = 0;
    const onFrame = (_now, meta) => {
      let code = null; try { code = read(video); } catch { code = null; }
      samples.push({ shownAt: performance.timeOrigin + meta.expectedDisplayTime, code, mediaMs: meta.mediaTime * 1000 });
      if (samples.length > 20000) samples.splice(0, samples.length - 20000);
      handle = video.requestVideoFrameCallback(onFrame);
    };
    // A new source (a player's new MediaSource after a seek) runs the load algorithm, which drops
    // pending frame callbacks: ask again, once, whenever one loads.
    const again = () => { video.cancelVideoFrameCallback(handle); handle = video.requestVideoFrameCallback(onFrame); };
    video.addEventListener('loadedmetadata', again);
    handle = video.requestVideoFrameCallback(onFrame);
  };
  const seen = new WeakSet();
  const scan = () => { for (const v of document.querySelectorAll('video')) if (!seen.has(v)) { seen.add(v); watch(v); } };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', scan);
})();`;
