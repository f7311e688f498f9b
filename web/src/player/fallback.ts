/**
 * The fallback coordinator of one load(): decides whether a file channel leaves the MSE path for
 * progressive playback (progressive.ts), and runs that playback once it took over.
 *
 *   mse ──trigger (no MSE, UNSUPPORTED_CODEC, socketFailures failed sockets)──▶ probing
 *   probing ──decideFallback: progressive──▶ progressive (the MSE path is ended: endMse())
 *   probing ──fail──▶ mse + error state;  probing ──stay──▶ mse (the socket keeps reconnecting)
 *   any ──stop()──▶ stopped
 *
 * The progressive states map onto the player's: preparing → connecting, loading → waiting-init,
 * playing → playing.
 */
import type { PlayerConfig } from './config.js';
import type { PlayerHost } from './player-events.js';
import { ProgressivePlayback } from './progressive.js';
import { decideFallback, probeChannel, type ChannelProbe, type FallbackTrigger } from './progressive-rules.js';
import type { Session } from './session.js';

export interface FallbackHost extends PlayerHost {
  /** WebSocket connections in a row that failed, now. */
  consecutiveFailures(): number;
  /** Ends the MSE path of this load: ticks, pings, socket, pipeline, pending sync plays. */
  endMse(): void;
}

export class FallbackCoordinator {
  private progressive: ProgressivePlayback | null = null;
  /** The channel lookup deciding on the fallback, while it runs. */
  private probe: AbortController | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly session: Session,
    private readonly config: PlayerConfig,
    private readonly host: FallbackHost,
  ) {}

  /** Progressive playback took over this load. */
  get active(): boolean {
    return this.progressive !== null;
  }

  /** Looks the channel up over HTTP (no socket needed), then falls back or not: decideFallback. */
  consider(trigger: FallbackTrigger): void {
    if (this.progressive || this.probe) return;
    const probe = new AbortController();
    this.probe = probe;
    void probeChannel(this.session.channel, probe.signal, undefined, this.config.server).then((result) => {
      if (probe.signal.aborted) return;
      this.probe = null;
      // The socket may have come back while we looked the channel up.
      if (trigger.kind === 'socket-failures' && this.host.consecutiveFailures() < this.config.progressive.socketFailures) return;
      const decision = decideFallback(trigger, result);
      if (decision.kind === 'fail') {
        this.host.fail(decision.error);
        return;
      }
      if (decision.error) this.host.report(decision.error);
      if (decision.kind === 'progressive' && result.ok) this.start(result, decision.reason);
    });
  }

  stop(): void {
    this.probe?.abort();
    this.probe = null;
    this.progressive?.stop();
    this.progressive = null;
  }

  private start(probe: Extract<ChannelProbe, { ok: true }>, reason: string): void {
    const host = this.host;
    // The MSE path is over for this load(): no socket, no pipeline, so the <video> is free.
    host.endMse();
    this.session.channelInfo = probe.info;
    host.emit('channel', probe.info);
    const p = new ProgressivePlayback(this.video, probe.info, probe.receivedAt, this.config.progressive, undefined, this.config.server);
    this.progressive = p;
    p.on('state', ({ to }) => {
      if (to === 'preparing') host.setState('connecting');
      else if (to === 'loading') host.setState('waiting-init');
      else if (to === 'playing') host.setState('playing');
    });
    p.on('error', (e) => (e.fatal ? host.fail(e) : host.report(e)));
    p.on('autoplay-muted', (e) => host.emit('autoplay-muted', e));
    host.emit('mode', { mode: 'progressive', reason });
    p.start();
  }
}
