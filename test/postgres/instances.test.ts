import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { api, loginOwner, type TresorServer } from '../support/tresor-server.js';
import { postgresInstalled } from './support/postgres-available.js';
import { createApp, randomRootKey, secretsPath, startInstances, tokensPath } from './support/instances.js';

const APP = 'shop';
const ENVIRONMENT = 'production';

describe.skipIf(!postgresInstalled)('two instances on one PostgreSQL', () => {
  let cluster: PostgresCluster;
  let first: TresorServer;
  let second: TresorServer;
  let firstToken: string;
  let secondToken: string;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const databaseUrl = await cluster.createDatabase();
    [first, second] = (await startInstances(databaseUrl, randomRootKey(), 2)) as [TresorServer, TresorServer];
    firstToken = await loginOwner(first.url);
    secondToken = await loginOwner(second.url);
    await createApp(first.url, firstToken, APP, [ENVIRONMENT], ['api', 'worker', 'billing', 'mailer']);
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await cluster?.stop();
  });

  test('write on one, read on other', async () => {
    const path = secretsPath(APP, ENVIRONMENT, 'api');

    for (let round = 1; round <= 5; round += 1) {
      const [writer, writerToken, reader, readerToken] = round % 2 === 1 ? [first, firstToken, second, secondToken] : [second, secondToken, first, firstToken];
      const write = await api(writer.url, writerToken, 'PUT', `${path}/DATABASE_PASSWORD`, { value: `password-${round}` });
      expect(write.status, write.text).toBe(200);

      const list = await api(reader.url, readerToken, 'GET', path);
      const reveal = await api(reader.url, readerToken, 'POST', `${path}/reveal`, { keys: ['DATABASE_PASSWORD'] });

      expect(list.status).toBe(200);
      expect(list.body.revision).toBe(write.body.revision);
      expect(list.body.secrets).toEqual([expect.objectContaining({ key: 'DATABASE_PASSWORD', version: round })]);
      expect(reveal.status).toBe(200);
      expect(reveal.body.secrets[0].value).toBe(`password-${round}`);
    }
  });

  test('delivery cache follows writes elsewhere', async () => {
    const path = secretsPath(APP, ENVIRONMENT, 'worker');
    expect((await api(first.url, firstToken, 'PUT', `${path}/QUEUE_URL`, { value: 'amqp://one' })).status).toBe(200);
    const created = await api(first.url, firstToken, 'POST', tokensPath(APP, ENVIRONMENT, 'worker'), {});
    expect(created.status).toBe(201);
    const serviceToken = created.body.token as string;

    // Each instance builds and caches the bundle, then the other instance changes it.
    for (let round = 1; round <= 6; round += 1) {
      const [writer, writerToken, deliverer] = round % 2 === 1 ? [first, firstToken, second] : [second, secondToken, first];
      const before = await api(deliverer.url, serviceToken, 'GET', '/delivery');
      const cachedAgain = await api(deliverer.url, serviceToken, 'GET', '/delivery');
      expect(before.status).toBe(200);
      expect(cachedAgain.body).toEqual(before.body);

      const write = await api(writer.url, writerToken, 'PUT', `${path}/QUEUE_URL`, { value: `amqp://round-${round}` });
      expect(write.status).toBe(200);
      const after = await api(deliverer.url, serviceToken, 'GET', '/delivery');

      expect(after.status).toBe(200);
      expect(after.body.secrets).toEqual({ QUEUE_URL: `amqp://round-${round}` });
      expect(after.body.revision).toBe(write.body.revision);
      expect(after.body.revision).toBeGreaterThan(before.body.revision);
    }
  });

  test('deletion elsewhere leaves delivery', async () => {
    const path = secretsPath(APP, ENVIRONMENT, 'mailer');
    expect((await api(first.url, firstToken, 'POST', path, { secrets: [{ key: 'SMTP_USER', value: 'mailer' }, { key: 'SMTP_PASSWORD', value: 'first' }] })).status).toBe(200);
    const serviceToken = (await api(first.url, firstToken, 'POST', tokensPath(APP, ENVIRONMENT, 'mailer'), {})).body.token as string;
    expect((await api(second.url, serviceToken, 'GET', '/delivery')).body.secrets).toEqual({ SMTP_USER: 'mailer', SMTP_PASSWORD: 'first' });

    const deletion = await api(first.url, firstToken, 'DELETE', `${path}/SMTP_PASSWORD`);
    const after = await api(second.url, serviceToken, 'GET', '/delivery');

    expect(deletion.status).toBe(200);
    expect(after.body.secrets).toEqual({ SMTP_USER: 'mailer' });
  });

  test('service token revoked elsewhere', async () => {
    const path = secretsPath(APP, ENVIRONMENT, 'billing');
    expect((await api(first.url, firstToken, 'PUT', `${path}/STRIPE_KEY`, { value: 'sk_test_billing' })).status).toBe(200);
    const created = await api(first.url, firstToken, 'POST', tokensPath(APP, ENVIRONMENT, 'billing'), {});
    const serviceToken = created.body.token as string;
    expect((await api(second.url, serviceToken, 'GET', '/delivery')).status).toBe(200);
    expect((await api(first.url, serviceToken, 'GET', '/delivery')).status).toBe(200);

    const revoke = await api(first.url, firstToken, 'DELETE', `/apps/${APP}/tokens/${created.body.tokenInfo.id}`);
    const onSecond = await api(second.url, serviceToken, 'GET', '/delivery');
    const onFirst = await api(first.url, serviceToken, 'GET', '/delivery');

    expect(revoke.status).toBe(204);
    expect(onSecond.status).toBe(401);
    expect(onSecond.body.error.code).toBe('UNAUTHENTICATED');
    expect(onSecond.text).not.toContain('sk_test_billing');
    expect(onFirst.status).toBe(401);
  });

  test('sign-out elsewhere ends the session', async () => {
    const personalToken = await loginOwner(second.url);
    expect((await api(first.url, personalToken, 'GET', '/apps')).status).toBe(200);

    const logout = await api(second.url, personalToken, 'POST', '/auth/logout');
    const afterwards = await api(first.url, personalToken, 'GET', '/apps');

    expect(logout.status).toBeLessThan(300);
    expect(afterwards.status).toBe(401);
  });

  test('deliveries from both are recorded', async () => {
    const created = await api(first.url, firstToken, 'POST', tokensPath(APP, ENVIRONMENT, 'api'), { name: 'recorded' });
    const serviceToken = created.body.token as string;
    expect((await api(first.url, serviceToken, 'GET', '/delivery')).status).toBe(200);
    expect((await api(second.url, serviceToken, 'GET', '/delivery')).status).toBe(200);

    // Deliveries are written in batches about once a second, so poll for the record.
    let lastDeliveryAt: string | null = null;
    for (let attempt = 0; attempt < 50 && lastDeliveryAt === null; attempt += 1) {
      const tokens = await api(second.url, secondToken, 'GET', `/apps/${APP}/tokens?module=api`);
      lastDeliveryAt = tokens.body.tokens.find((token: { id: string }) => token.id === created.body.tokenInfo.id)?.lastDeliveryAt ?? null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(lastDeliveryAt).not.toBeNull();
  });
});
