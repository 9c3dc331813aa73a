import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';
import { api, loginOwner, runTresorSync, startTresorServer, type TresorServer } from '../support/tresor-server.js';

const SECOND_EMAIL = 'second@example.com';
const SECOND_PASSWORD = 'second-password-for-tests';

describe.skipIf(!isTestDatabaseAvailable())('authorization', () => {
  let database: TestDatabase;
  let server: TresorServer;
  let owner: string;
  let second: string;

  const scope = (app: string, environment: string, module: string) => `/apps/${app}/environments/${environment}/modules/${module}`;

  async function serviceToken(app: string, environment: string, module: string): Promise<string> {
    const created = await api(server.url, owner, 'POST', `${scope(app, environment, module)}/tokens`, {});
    expect(created.status).toBe(201);
    return created.body.token as string;
  }

  beforeAll(async () => {
    database = await createTestDatabaseUrl();
    server = await startTresorServer({ databaseUrl: database.url });
    const init = runTresorSync(['init', '--data-dir', server.dataDir, '--database', database.url, '--email', SECOND_EMAIL], { input: SECOND_PASSWORD });
    expect(init.status, init.stderr).toBe(0);

    owner = await loginOwner(server.url);
    const login = await api(server.url, null, 'POST', '/auth/login', { email: SECOND_EMAIL, password: SECOND_PASSWORD });
    second = login.body.token;

    for (const app of ['shop', 'blog']) {
      expect((await api(server.url, owner, 'POST', '/apps', { name: app })).status).toBe(201);
      for (const environment of ['staging', 'production']) {
        expect((await api(server.url, owner, 'POST', `/apps/${app}/environments`, { name: environment })).status).toBe(201);
      }
      for (const module of ['api', 'worker']) {
        expect((await api(server.url, owner, 'POST', `/apps/${app}/modules`, { name: module })).status).toBe(201);
      }
    }
    for (const [app, environment, module] of [
      ['shop', 'production', 'api'],
      ['shop', 'production', 'worker'],
      ['shop', 'staging', 'api'],
      ['blog', 'production', 'api'],
    ] as const) {
      const write = await api(server.url, owner, 'PUT', `${scope(app, environment, module)}/secrets/WHERE`, { value: `${app}/${environment}/${module}` });
      expect(write.status).toBe(200);
    }
  });

  afterAll(async () => {
    await server?.stop();
    await database?.cleanup();
  });

  test('service token reads only its own scope', async () => {
    const token = await serviceToken('shop', 'production', 'api');
    const delivery = await api(server.url, token, 'GET', '/delivery');

    expect(delivery.status).toBe(200);
    expect(delivery.body.secrets).toEqual({ WHERE: 'shop/production/api' });
    expect(delivery.body.app).toBe('shop');
    expect(delivery.body.environment).toBe('production');
    expect(delivery.body.module).toBe('api');
  });

  test('service token cannot use the person API', async () => {
    const token = await serviceToken('shop', 'production', 'api');

    for (const route of [
      `${scope('shop', 'production', 'api')}/secrets`,
      `${scope('shop', 'production', 'worker')}/secrets`,
      `${scope('shop', 'staging', 'api')}/secrets`,
      `${scope('blog', 'production', 'api')}/secrets`,
      '/apps',
    ]) {
      const response = await api(server.url, token, 'GET', route);
      expect(response.status, route).toBe(401);
    }
    const reveal = await api(server.url, token, 'POST', `${scope('shop', 'production', 'worker')}/secrets/reveal`, {});
    expect(reveal.status).toBe(401);
    expect(reveal.text).not.toContain('shop/production/worker');
  });

  test('personal token is not a service token', async () => {
    const delivery = await api(server.url, owner, 'GET', '/delivery');
    expect(delivery.status).toBe(401);
  });

  test('new environment starts empty', async () => {
    expect((await api(server.url, owner, 'POST', '/apps/shop/environments', { name: 'qa' })).status).toBe(201);
    const token = await serviceToken('shop', 'qa', 'api');

    const delivery = await api(server.url, token, 'GET', '/delivery');
    expect(delivery.body.secrets).toEqual({});
    const list = await api(server.url, owner, 'GET', `${scope('shop', 'qa', 'api')}/secrets`);
    expect(list.body.secrets).toEqual([]);
  });

  test('stranger sees no app, reads and writes nothing', async () => {
    const apps = await api(server.url, second, 'GET', '/apps');
    expect(apps.body.apps).toEqual([]);

    const attempts = [
      ['GET', `${scope('shop', 'production', 'api')}/secrets`, undefined],
      ['POST', `${scope('shop', 'production', 'api')}/secrets/reveal`, {}],
      ['PUT', `${scope('shop', 'production', 'api')}/secrets/WHERE`, { value: 'overwritten' }],
      ['DELETE', `${scope('shop', 'production', 'api')}/secrets/WHERE`, undefined],
      ['POST', `${scope('shop', 'production', 'api')}/tokens`, {}],
      ['GET', '/apps/shop/tokens', undefined],
      ['GET', '/apps/shop/modules', undefined],
      ['POST', '/apps/shop/environments', { name: 'hijack' }],
      ['GET', '/apps/shop/audit', undefined],
    ] as const;
    for (const [method, route, body] of attempts) {
      const response = await api(server.url, second, method, route, body);
      expect(response.status, `${method} ${route}`).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
      expect(response.text).not.toContain('shop/production/api');
    }

    const unchanged = await api(server.url, owner, 'POST', `${scope('shop', 'production', 'api')}/secrets/reveal`, { keys: ['WHERE'] });
    expect(unchanged.body.secrets[0].value).toBe('shop/production/api');
  });

  test('denied attempts are audited', async () => {
    await api(server.url, second, 'GET', `${scope('shop', 'production', 'api')}/secrets`);
    const audit = await api(server.url, owner, 'GET', '/apps/shop/audit?limit=1000');
    const denied = audit.body.events.filter((event: { allowed: boolean }) => !event.allowed);
    expect(denied.length).toBeGreaterThan(0);
  });

  test('member roles limit what a member can do', async () => {
    const grant = await api(server.url, owner, 'PUT', `/apps/blog/members/${SECOND_EMAIL}`, { role: 'viewer' });
    expect(grant.status).toBe(200);

    const list = await api(server.url, second, 'GET', `${scope('blog', 'production', 'api')}/secrets`);
    expect(list.status).toBe(200);
    expect(list.body.secrets.map((secret: { key: string }) => secret.key)).toEqual(['WHERE']);
    const reveal = await api(server.url, second, 'POST', `${scope('blog', 'production', 'api')}/secrets/reveal`, {});
    expect(reveal.status).toBe(403);
    const write = await api(server.url, second, 'PUT', `${scope('blog', 'production', 'api')}/secrets/OTHER`, { value: 'x' });
    expect(write.status).toBe(403);

    await api(server.url, owner, 'PUT', `/apps/blog/members/${SECOND_EMAIL}`, { role: 'developer' });
    const revealed = await api(server.url, second, 'POST', `${scope('blog', 'production', 'api')}/secrets/reveal`, {});
    expect(revealed.status).toBe(200);
    const token = await api(server.url, second, 'POST', `${scope('blog', 'production', 'api')}/tokens`, {});
    expect(token.status).toBe(403);
    const grantOther = await api(server.url, second, 'PUT', `/apps/blog/members/${SECOND_EMAIL}`, { role: 'admin' });
    expect(grantOther.status).toBe(403);

    const otherApp = await api(server.url, second, 'GET', `${scope('shop', 'production', 'api')}/secrets`);
    expect(otherApp.status).toBe(404);

    expect((await api(server.url, owner, 'DELETE', `/apps/blog/members/${SECOND_EMAIL}`)).status).toBe(204);
    const afterRevoke = await api(server.url, second, 'GET', `${scope('blog', 'production', 'api')}/secrets`);
    expect(afterRevoke.status).toBe(404);
  });

  test('revoked service token is refused at once', async () => {
    const token = await serviceToken('shop', 'staging', 'api');
    expect((await api(server.url, token, 'GET', '/delivery')).status).toBe(200);

    const tokens = await api(server.url, owner, 'GET', '/apps/shop/tokens?environment=staging&module=api');
    const id = tokens.body.tokens.find((entry: { revokedAt: string | null }) => entry.revokedAt === null).id as string;
    expect((await api(server.url, owner, 'DELETE', `/apps/shop/tokens/${id}`)).status).toBe(204);

    const refused = await api(server.url, token, 'GET', '/delivery');
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain('shop/staging/api');
  });

  test('tokens of another app cannot be revoked', async () => {
    const token = await serviceToken('blog', 'production', 'api');
    const blogTokens = await api(server.url, owner, 'GET', '/apps/blog/tokens');
    const id = blogTokens.body.tokens.at(-1).id as string;

    const crossApp = await api(server.url, owner, 'DELETE', `/apps/shop/tokens/${id}`);
    expect(crossApp.status).toBe(404);
    expect((await api(server.url, token, 'GET', '/delivery')).status).toBe(200);
  });

  test('delivery follows writes at once', async () => {
    const token = await serviceToken('shop', 'production', 'worker');
    const before = await api(server.url, token, 'GET', '/delivery');

    await api(server.url, owner, 'PUT', `${scope('shop', 'production', 'worker')}/secrets/NEW_KEY`, { value: 'fresh' });
    const after = await api(server.url, token, 'GET', '/delivery');

    expect(after.body.revision).toBeGreaterThan(before.body.revision);
    expect(after.body.secrets['NEW_KEY']).toBe('fresh');

    await api(server.url, owner, 'DELETE', `${scope('shop', 'production', 'worker')}/secrets/NEW_KEY`);
    const deleted = await api(server.url, token, 'GET', '/delivery');
    expect(deleted.body.secrets).not.toHaveProperty('NEW_KEY');
  });
});
