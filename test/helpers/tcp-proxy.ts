/**
 * A loopback TCP proxy for fault tests: a browser (or any client) talks to the proxy's port, which
 * pipes every byte to the target port. Tests break the path on purpose:
 *  - cut(): resets every connection open now (the client sees a dropped TCP connection, no close frame);
 *  - mode 'refuse': new connections are accepted and reset at once (a server that is down);
 *  - mode 'blackhole': new connections are accepted and never answered (a path that silently died);
 *    stall() does the same to the connections open now (bytes stop flowing both ways, no FIN, no RST);
 *  - mode 'pipe' (the default): a working path.
 * Every socket has an error handler (resets are the point here); close() ends everything.
 */
import net from 'node:net';

export type ProxyMode = 'pipe' | 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Connections accepted so far (in any mode). */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** What happens to new connections from now on. */
  mode: ProxyMode;
  /** Points new connections at another port (a server restarted elsewhere). */
  retarget(port: number): void;
  /** Resets every connection open now; returns how many. */
  cut(): number;
  /** Stops forwarding on every connection open now, leaving them open; returns how many. */
  stall(): number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
}

/** Starts a proxy on 127.0.0.1 (random port) to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let accepted = 0;
  const pairs = new Set<Pair>();

  const destroyPair = (pair: Pair, reset: boolean): void => {
    pairs.delete(pair);
    for (const s of [pair.client, pair.upstream]) {
      if (!s || s.destroyed) continue;
      // resetAndDestroy sends an RST (Node ≥ 16.17): the peer sees ECONNRESET, not a clean FIN.
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  };

  const server = net.createServer((client) => {
    accepted++;
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => destroyPair(pair, false));
    client.on('close', () => destroyPair(pair, false));
    if (proxy.mode === 'refuse') {
      destroyPair(pair, true);
      return;
    }
    if (proxy.mode === 'blackhole') {
      client.pause(); // read nothing, answer nothing
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', () => destroyPair(pair, true));
    upstream.on('close', () => destroyPair(pair, false));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('error', () => undefined); // listen errors surface through the promise below

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;

  const proxy: TcpProxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    mode: 'pipe',
    retarget(p: number) {
      target = p;
    },
    cut() {
      const n = pairs.size;
      for (const pair of [...pairs]) destroyPair(pair, true);
      return n;
    },
    stall() {
      for (const { client, upstream } of pairs) {
        if (upstream) {
          client.unpipe(upstream);
          upstream.unpipe(client);
          upstream.pause();
        }
        client.pause();
      }
      return pairs.size;
    },
    async close() {
      for (const pair of [...pairs]) destroyPair(pair, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
