/**
 * Delay behind live: how long ago (wall clock) the frame now on screen was produced.
 *
 * Each media fragment starts with a prft box (ISO/IEC 14496-12 §8.16.5) holding the wall clock at
 * which ffmpeg wrote that fragment (`-write_prft wallclock`; server clock). After the fragment's
 * append completes we record an anchor { wallClockMs, mediaEnd } where mediaEnd is the
 * SourceBuffer's buffered end, i.e. the media time at which that fragment ends.
 *
 * Why that is a bound: ffmpeg cannot write a fragment before its last sample exists, so the sample
 * ending at mediaEnd existed no later than wallClockMs. A live source produces media in real time,
 * so the frame at media time t (≤ mediaEnd) existed no later than wallClockMs − (mediaEnd − t)·1000.
 * With t = currentTime and "now" expressed on the server clock (client now + clock offset):
 *
 *   delay = (now + offset − wallClockMs) / 1000 + (mediaEnd − currentTime)      [seconds]
 *
 * The result counts capture→encode→fragment time as zero (we only know when the fragment was
 * written), so it is the delay from "fragment written" to "frame shown", which is what the server
 * and the network add. The newest anchor is used: it reflects the current network/buffer state.
 * Pure: callers pass the clock and the media time.
 */
export interface DelayAnchor {
  /** prft wall clock of the fragment, ms since epoch, server clock. */
  wallClockMs: number;
  /** Buffered end (media seconds) right after the fragment's append completed. */
  mediaEnd: number;
}

/** Delay in seconds; see the module comment for the derivation. */
export function delaySec(anchor: DelayAnchor, clientNowMs: number, clockOffsetMs: number, currentTime: number): number {
  const serverNowMs = clientNowMs + clockOffsetMs;
  return (serverNowMs - anchor.wallClockMs) / 1000 + (anchor.mediaEnd - currentTime);
}

/** Holds the newest anchor of the current timeline; reset it when the timeline (epoch) changes. */
export class DelayTracker {
  private anchor: DelayAnchor | null = null;

  record(anchor: DelayAnchor): void {
    if (!Number.isFinite(anchor.wallClockMs) || !Number.isFinite(anchor.mediaEnd)) return;
    this.anchor = anchor;
  }

  get latest(): DelayAnchor | null {
    return this.anchor;
  }

  /** Delay in seconds, or null while there is no anchor or no clock offset yet. */
  delay(clientNowMs: number, clockOffsetMs: number | null, currentTime: number): number | null {
    if (this.anchor === null || clockOffsetMs === null) return null;
    return delaySec(this.anchor, clientNowMs, clockOffsetMs, currentTime);
  }

  reset(): void {
    this.anchor = null;
  }
}
