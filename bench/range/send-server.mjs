// Child process of bench/range.ts: Node's `send` (from bench/.peers) serving MEDIA_DIR on /vod/.
import http from 'node:http';
import { createRequire } from 'node:module';
const require = createRequire(process.argv[2]);
const send = require('send');
const root = process.env.MEDIA_DIR;
const server = http.createServer((req, res) => {
  const p = (req.url ?? '/').split('?')[0].replace(/^\/vod/, '');
  send(req, p, { root }).on('error', (err) => { res.statusCode = err.status ?? 500; res.end(); }).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
