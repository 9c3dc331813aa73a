import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { hashToken } from '../../src/crypto/tokens.js';
import { openStore } from '../../src/store/database.js';
import { isTestDatabaseAvailable, readTestDialect } from '../support/test-database.js';
import { api, loginOwner, startTresorServer, type TresorServer } from '../support/tresor-server.js';

// The server caches the token check between deliveries on SQLite. These tests deliver
// several times first, so that the token is cached, then change it and expect the very
// next delivery to see the change.
describe.skipIf(!isTestDatabaseAvailable())('delivery token cache', () => {
  let server: TresorServer;
  let owner: string;
  const scope = '/apps/cache/environments/production/modules/api';

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwner(server.url);
    expect((await api(server.url, owner, 'POST', '/apps', { name: 'cache' })).status).toBe(201);
    expect((await api(server.url, owner, 'POST', '/apps/cache/environments', { name: 'production' })).status).toBe(201);
    expect((await api(server.url, owner, 'POST', '/apps/cache/modules', { name: 'api' })).status).toBe(201);
    expect((await api(server.url, owner, 'PUT', `${scope}/secrets/GREETING`, { value: 'hello' })).status).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function createToken(): Promise<{ token: string; id: string }> {
    const created = await api(server.url, owner, 'POST', `${scope}/tokens`, {});
    expect(created.status).toBe(201);
    return { token: created.body.token as string, id: created.body.tokenInfo.id as string };
  }

  async function deliverTimes(token: string, times: number): Promise<void> {
    for (let attempt = 0; attempt < times; attempt += 1) {
      const delivery = await api(server.url, token, 'GET', '/delivery');
      expect(delivery.status).toBe(200);
    }
  }

  test('revocation through the API refused at once', async () => {
    const { token, id } = await createToken();
    await deliverTimes(token, 3);

    expect((await api(server.url, owner, 'DELETE', `/apps/cache/tokens/${id}`)).status).toBe(204);

    const refused = await api(server.url, token, 'GET', '/delivery');
    expect(refused.status).toBe(401);
  });

  test('secret write delivered on the next request', async () => {
    const { token } = await createToken();
    await deliverTimes(token, 3);

    const write = await api(server.url, owner, 'PUT', `${scope}/secrets/GREETING`, { value: 'hello again' });
    expect(write.status).toBe(200);

    const delivery = await api(server.url, token, 'GET', '/delivery');
    expect(delivery.status).toBe(200);
    expect(delivery.body.revision).toBe(write.body.revision);
    expect(delivery.body.secrets.GREETING).toBe('hello again');
  });

  test.skipIf(readTestDialect() !== 'sqlite')('revocation by another process refused at once', async () => {
    const { token } = await createToken();
    await deliverTimes(token, 3);

    // This test process is the other process: it commits to the server's SQLite file
    // through a connection of its own, so the server's services hear nothing of it.
    const other = openStore(server.databaseUrl, { mustExist: true });
    try {
      const result = await other.db
        .updateTable('service_tokens')
        .set({ revoked_at: new Date().toISOString() })
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      expect(result.numUpdatedRows).toBe(1n);
    } finally {
      await other.close();
    }

    const refused = await api(server.url, token, 'GET', '/delivery');
    expect(refused.status).toBe(401);
  });

  test.skipIf(readTestDialect() !== 'sqlite')('token still delivers after another process commits', async () => {
    const { token } = await createToken();
    await deliverTimes(token, 2);

    const other = openStore(server.databaseUrl, { mustExist: true });
    try {
      await other.db.updateTable('apps').set({ name: 'cache' }).where('name', '=', 'cache').execute();
    } finally {
      await other.close();
    }

    await deliverTimes(token, 2);
  });
});
