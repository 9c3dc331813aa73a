import fs from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { openStore } from '../../src/store/database.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';
import { api, loginOwner, startTresorServer, type TresorServer } from '../support/tresor-server.js';

const CANARY = `canary-${Math.random().toString(36).slice(2)}-value`;

describe.skipIf(!isTestDatabaseAvailable())('API errors', () => {
  let database: TestDatabase;
  let server: TresorServer;
  let owner: string;
  const secrets = '/apps/errs/environments/dev/modules/api/secrets';

  beforeAll(async () => {
    database = await createTestDatabaseUrl();
    server = await startTresorServer({ databaseUrl: database.url });
    owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'errs' });
    await api(server.url, owner, 'POST', '/apps/errs/environments', { name: 'dev' });
    await api(server.url, owner, 'POST', '/apps/errs/modules', { name: 'api' });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.cleanup();
  });

  async function rawRequest(method: string, route: string, body: string, contentType = 'application/json') {
    const response = await fetch(`${server.url}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${owner}`, 'content-type': contentType },
      body,
    });
    return { status: response.status, text: await response.text() };
  }

  test('invalid key is named with the rule', async () => {
    const response = await api(server.url, owner, 'PUT', `${secrets}/my-key`, { value: CANARY });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.message).toContain('"my-key"');
    expect(response.body.error.message).toContain('environment variable name');
    expect(response.text).not.toContain(CANARY);
  });

  test('key with "=" explains the split', async () => {
    const response = await api(server.url, owner, 'POST', secrets, { secrets: [{ key: 'PATH=/tmp/evil', value: ':x' }] });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('"="');
  });

  test('batch with one bad entry writes nothing', async () => {
    const response = await api(server.url, owner, 'POST', secrets, {
      secrets: [
        { key: 'GOOD_KEY', value: CANARY },
        { key: '1BAD', value: CANARY },
        { key: 'a.b', value: CANARY },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('"1BAD"');
    expect(response.body.error.message).toContain('"a.b"');
    expect(response.text).not.toContain(CANARY);

    const list = await api(server.url, owner, 'GET', secrets);
    expect(list.body.secrets.map((secret: { key: string }) => secret.key)).not.toContain('GOOD_KEY');
  });

  test('oversized value is rejected by size', async () => {
    const value = 'x'.repeat(64 * 1024 + 1);
    const response = await api(server.url, owner, 'PUT', `${secrets}/BIG`, { value });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('64 KiB');
  });

  test('NUL byte in a value is rejected', async () => {
    const response = await api(server.url, owner, 'PUT', `${secrets}/NUL_VALUE`, { value: `a\u0000${CANARY}` });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('NUL');
    expect(response.text).not.toContain(CANARY);
  });

  test('body too large is 413', async () => {
    // The server sends 413 as soon as it reads Content-Length and closes the connection,
    // so the client can hit EPIPE while it is still sending; only that is retried.
    let response: Awaited<ReturnType<typeof api>> | null = null;
    for (let attempt = 0; attempt < 3 && response === null; attempt += 1) {
      try {
        response = await api(server.url, owner, 'PUT', `${secrets}/HUGE`, { value: 'x'.repeat(2 * 1024 * 1024) });
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== 'EPIPE' && code !== 'ECONNRESET') {
          throw error;
        }
      }
    }
    if (response === null) {
      throw new Error('every attempt ended in EPIPE or ECONNRESET before a response');
    }
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('malformed JSON does not echo the body', async () => {
    const response = await rawRequest('PUT', `${secrets}/BROKEN`, `{"value": ${CANARY}`);
    expect(response.status).toBe(400);
    expect(response.text).toContain('not valid JSON');
    expect(response.text).not.toContain(CANARY);
  });

  test('wrong type names the field', async () => {
    const response = await api(server.url, owner, 'PUT', `${secrets}/TYPED`, { value: 42 });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('value');
  });

  test('unknown field is named', async () => {
    const response = await api(server.url, owner, 'PUT', `${secrets}/EXTRA`, { value: 'v', colour: 'blue' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('colour');
  });

  test('missing body field is named', async () => {
    const response = await api(server.url, owner, 'PUT', `${secrets}/MISSING`, {});
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('value is required');
  });

  test('wrong content type is a 400', async () => {
    const response = await rawRequest('PUT', `${secrets}/TEXT`, CANARY, 'text/plain');
    expect(response.status).toBe(400);
    expect(response.text).not.toContain(CANARY);
  });

  test('invalid names of apps, environments, modules', async () => {
    for (const [route, name, kind] of [
      ['/apps', 'Bad Name', 'app'],
      ['/apps/errs/environments', '-dev', 'environment'],
      ['/apps/errs/modules', 'api_v2', 'module'],
    ] as const) {
      const response = await api(server.url, owner, 'POST', route, { name });
      expect(response.status, route).toBe(400);
      expect(response.body.error.message).toContain(`Invalid ${kind} name`);
    }
  });

  test('duplicate names are 409', async () => {
    const response = await api(server.url, owner, 'POST', '/apps/errs/modules', { name: 'api' });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('ALREADY_EXISTS');
  });

  test('unknown environment and module are named', async () => {
    const environment = await api(server.url, owner, 'GET', '/apps/errs/environments/nope/modules/api/secrets');
    expect(environment.status).toBe(404);
    expect(environment.body.error.message).toContain('Environment "nope"');
    const module = await api(server.url, owner, 'GET', '/apps/errs/environments/dev/modules/nope/secrets');
    expect(module.status).toBe(404);
    expect(module.body.error.message).toContain('Module "nope"');
  });

  test('compare-and-set refuses a stale version', async () => {
    const first = await api(server.url, owner, 'PUT', `${secrets}/CAS`, { value: 'one', ifVersion: 0 });
    expect(first.status).toBe(200);
    const stale = await api(server.url, owner, 'PUT', `${secrets}/CAS`, { value: CANARY, ifVersion: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONFLICT');
    expect(stale.text).not.toContain(CANARY);
    const current = await api(server.url, owner, 'PUT', `${secrets}/CAS`, { value: 'two', ifVersion: 1 });
    expect(current.status).toBe(200);
  });

  test('unknown route and missing token', async () => {
    const unknown = await api(server.url, owner, 'GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');

    const anonymous = await api(server.url, null, 'GET', '/apps');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toContain('tresor login');

    const forged = await api(server.url, 'tsr_pat_forged', 'GET', '/apps');
    expect(forged.status).toBe(401);
  });

  test('wrong password is 401 without detail', async () => {
    const response = await api(server.url, null, 'POST', '/auth/login', { email: 'owner@example.com', password: CANARY });
    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe('Wrong e-mail or password.');
  });

  test('lone surrogate in a value is rejected', async () => {
    const response = await rawRequest('PUT', `${secrets}/SURROGATE`, '{"value":"a\\ud800b"}');
    expect(response.status).toBe(400);
    expect(response.text).toContain('surrogate');
  });

  test('body that is not UTF-8 is rejected', async () => {
    const body = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const response = await fetch(`${server.url}/api/v1${secrets}/LATIN1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('not valid UTF-8');
    const list = await api(server.url, owner, 'GET', secrets);
    expect(list.body.secrets.map((secret: { key: string }) => secret.key)).not.toContain('LATIN1');
  });

  test('__proto__ key in a body is named', async () => {
    const response = await rawRequest('PUT', `${secrets}/PROTO`, '{"value":"v","__proto__":{"x":1}}');
    expect(response.status).toBe(400);
    expect(response.text).toContain('__proto__');
  });

  test('ifVersion 0 on an existing secret says it exists', async () => {
    await api(server.url, owner, 'PUT', `${secrets}/EXISTING`, { value: 'one' });
    const response = await api(server.url, owner, 'PUT', `${secrets}/EXISTING`, { value: 'two', ifVersion: 0 });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('already exists');
  });

  test('huge ifVersion is a validation error', async () => {
    const response = await rawRequest('PUT', `${secrets}/HUGE_VERSION`, '{"value":"v","ifVersion":1e300}');
    expect(response.status).toBe(400);
  });

  test('256-character key can be written and deleted', async () => {
    const key = `K${'_'.repeat(254)}Z`;
    expect((await api(server.url, owner, 'PUT', `${secrets}/${key}`, { value: 'long' })).status).toBe(200);
    expect((await api(server.url, owner, 'GET', `${secrets}/${key}/versions`)).status).toBe(200);
    expect((await api(server.url, owner, 'DELETE', `${secrets}/${key}`)).status).toBe(200);
  });

  test('error messages end with one period', async () => {
    const response = await api(server.url, owner, 'POST', secrets, { secrets: [{ key: 'NUL_IN_BATCH', value: 'a\u0000b' }] });
    expect(response.status).toBe(400);
    expect(response.body.error.message).not.toContain('..');
  });

  test('empty app name gets the naming rule', async () => {
    const response = await api(server.url, owner, 'POST', '/apps', { name: '' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('Invalid app name');
  });

  test('service token on a person route is explained', async () => {
    const created = await api(server.url, owner, 'POST', '/apps/errs/environments/dev/modules/api/tokens', {});
    const response = await api(server.url, created.body.token, 'GET', '/apps');
    expect(response.status).toBe(401);
    expect(response.body.error.message).toContain('/api/v1/delivery');
  });

  test('repeated failed sign-ins are rate limited', async () => {
    const email = 'guesser-target@example.com';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1) {
      statuses.push((await api(server.url, null, 'POST', '/auth/login', { email, password: `guess-${attempt}` })).status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  test('OpenAPI document lists the routes', async () => {
    const response = await api(server.url, null, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths)).toContain('/api/v1/delivery');
    expect(Object.keys(response.body.paths)).toContain('/api/v1/apps/{app}/environments/{environment}/modules/{module}/secrets/{key}');
  });

  test('server log never holds the canary or a token', async () => {
    await api(server.url, owner, 'PUT', `${secrets}/LOGGED`, { value: CANARY });
    await api(server.url, owner, 'POST', `${secrets}/reveal`, { keys: ['LOGGED'] });
    const created = await api(server.url, owner, 'POST', '/apps/errs/environments/dev/modules/api/tokens', {});
    await api(server.url, created.body.token, 'GET', '/delivery');
    await api(server.url, null, 'POST', '/auth/login', { email: 'owner@example.com', password: CANARY });
    const log = fs.readFileSync(server.logFile, 'utf8');

    expect(log).not.toContain(CANARY);
    expect(log).not.toContain(owner);
    expect(log).not.toContain(created.body.token);
    expect(log).toContain('"route"');
  });
});

describe.skipIf(!isTestDatabaseAvailable())('personal access tokens', () => {
  let server: TresorServer;

  beforeAll(async () => {
    server = await startTresorServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('login token expires after 30 days', async () => {
    const token = await loginOwner(server.url);
    const store = openStore(server.databaseUrl);
    try {
      const row = await store.db.selectFrom('user_tokens').select(['id', 'expires_at']).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
      const lifetimeDays = (Date.parse(row.expires_at ?? '') - Date.now()) / 86_400_000;
      expect(lifetimeDays).toBeGreaterThan(29.9);
      expect(lifetimeDays).toBeLessThanOrEqual(30);

      expect((await api(server.url, token, 'GET', '/apps')).status).toBe(200);
      await store.db.updateTable('user_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', row.id).execute();
    } finally {
      await store.close();
    }

    const expired = await api(server.url, token, 'GET', '/apps');
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain('expired');
  });
});
