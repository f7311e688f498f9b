/**
 * Test helpers shared by the HTTP and VOD tests: a real server on 127.0.0.1:0 mounted the way
 * server/server.ts mounts the VOD routes, a raw request helper that keeps the path byte-exact,
 * and a multipart/byteranges parser.
 */
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, relPath: string) => Promise<void>;

/** `/vod/<rest>` → vod(req, res, rest without query); `/api/media` → mediaApi; else 404. */
export async function startServer(vod: Handler, mediaApi?: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname.startsWith('/vod/')) void vod(req, res, pathname.slice('/vod/'.length));
    else if (pathname === '/api/media' && mediaApi) void mediaApi(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh connection; `path` is sent exactly as given. */
export function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface Part {
  headers: Record<string, string>;
  data: Buffer;
}

/** Parses a multipart/byteranges body strictly (RFC 2046 framing as RFC 9110 §14.6 uses it). */
export function parseMultipart(contentType: string | undefined, body: Buffer): Part[] {
  const m = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,.\/:=?-]+)$/.exec(contentType ?? '');
  if (!m) throw new Error(`not multipart/byteranges: ${contentType}`);
  const delimiter = Buffer.from(`--${m[1]}`, 'latin1');
  const parts: Part[] = [];
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw new Error('body does not start with the boundary');
  let pos = delimiter.length;
  for (;;) {
    const after = body.subarray(pos, pos + 2).toString('latin1');
    if (after === '--') {
      if (body.subarray(pos + 2).toString('latin1') !== '\r\n') throw new Error('junk after the closing boundary');
      return parts;
    }
    if (after !== '\r\n') throw new Error(`bad delimiter line at ${pos}`);
    const headEnd = body.indexOf('\r\n\r\n', pos + 2, 'latin1');
    if (headEnd === -1) throw new Error('unterminated part headers');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos + 2, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const dataStart = headEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart);
    if (next === -1) throw new Error('missing next boundary');
    parts.push({ headers, data: body.subarray(dataStart, next) });
    pos = next + 2 + delimiter.length;
  }
}

/**
 * Paths that try to leave the media root (`<tmp>/media`) for `<tmp>/secret.txt`, or to reach
 * things that are not media files. Each must get a 4xx and never a byte of the secret.
 * `secretAbs` is the secret's absolute path; the root holds `link-out.mp4` → secret and
 * `updir` → `<tmp>` symlinks.
 */
export function hostilePaths(secretAbs: string): string[] {
  const enc = encodeURIComponent(secretAbs);
  return [
    '../secret.txt',
    '..%2fsecret.txt',
    '..%2Fsecret.txt',
    '%2e%2e/secret.txt',
    '%2E%2E%2Fsecret.txt',
    '.%2e/secret.txt',
    '%252e%252e/secret.txt', // double-encoded: must not be decoded twice
    '%252e%252e%252fsecret.txt',
    '..%5csecret.txt',
    '..\\secret.txt',
    '%2e%2e%5c%2e%2e%5csecret.txt',
    'sub/../../secret.txt',
    'sub/%2e%2e/%2e%2e/secret.txt',
    'sub/..%2f..%2fsecret.txt',
    '....//secret.txt',
    '/etc/passwd',
    '%2fetc%2fpasswd',
    enc, // the secret's absolute path, encoded
    `/${secretAbs.slice(1)}`,
    'C:%5csecret.txt',
    'file:%2f%2f%2fetc%2fpasswd',
    '..%c0%afsecret.txt', // overlong UTF-8 for '/'
    '%c0%ae%c0%ae/secret.txt',
    'nine.mp4%00',
    'nine.mp4%00.txt',
    'link-out.mp4', // symlink to the secret
    'updir/secret.txt', // symlinked directory outside the root
    'updir%2fsecret.txt',
    'sub',
    'sub/',
    '.',
    '%2e',
    '',
    '.hidden.mp4',
  ];
}
