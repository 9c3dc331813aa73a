// A tiny module of an app: it needs DATABASE_URL from Tresor and refuses to start without it.
// Start it through Tresor: TRESOR_TOKEN=... TRESOR_SERVER=... tresor run -- node server.mjs
import http from 'node:http';

import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl === undefined || databaseUrl === '') {
  process.stderr.write('orders-service: DATABASE_URL is not set; start me with `tresor run -- node server.mjs`.\n');
  process.exit(1);
}

const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });

try {
  await pool.query('CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL)');
} catch (error) {
  // The driver's message never contains the password, but the URL would, so print only the message.
  process.stderr.write(`orders-service: failed to connect to the database: ${error.message}\n`);
  process.exit(1);
}

const server = http.createServer(async (request, response) => {
  try {
    if (request.method === 'POST' && request.url === '/orders') {
      const { rows } = await pool.query("INSERT INTO orders (item) VALUES ('book') RETURNING id");
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: rows[0].id }));
      return;
    }
    const { rows } = await pool.query('SELECT count(*)::int AS count, current_user AS "user" FROM orders');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: rows[0].count, user: rows[0].user }));
  } catch (error) {
    response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`orders-service listening on http://127.0.0.1:${port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    pool.end().finally(() => process.exit(0));
  });
}
