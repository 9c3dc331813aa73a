// A bare node:http server that responds to every request with the bytes of one file. It is
// the baseline of the delivery benchmark: the same response bytes with no framework, no
// authentication and no database. Usage: node baseline-server.mjs BODY_FILE
import { readFileSync } from 'node:fs';
import http from 'node:http';

const bodyFile = process.argv[2];
if (bodyFile === undefined) {
  process.stderr.write('Usage: node baseline-server.mjs BODY_FILE\n');
  process.exit(2);
}
const body = readFileSync(bodyFile);

const server = http.createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': body.length,
  });
  response.end(body);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
