import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { api, loginOwner, startTresorServer, type TresorServer } from '../support/tresor-server.js';

interface TokenRow {
  id: string;
  lastDeliveryAt: string | null;
  lastDeliveryRevision: number | null;
  currentRevision: number;
  stale: boolean;
}

describe.skipIf(!isTestDatabaseAvailable())('deliveries', () => {
  let server: TresorServer;
  let owner: string;
  const secrets = '/apps/fleet/environments/production/modules/api/secrets';

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'fleet' });
    await api(server.url, owner, 'POST', '/apps/fleet/environments', { name: 'production' });
    await api(server.url, owner, 'POST', '/apps/fleet/modules', { name: 'api' });
    await api(server.url, owner, 'PUT', `${secrets}/FIRST`, { value: 'one' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Deliveries are written in batches, so poll until the expected revision is recorded (null: read once). */
  async function tokenRow(id: string, revision: number | null): Promise<TokenRow> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = await api(server.url, owner, 'GET', '/apps/fleet/tokens');
      const row = (list.body.tokens as TokenRow[]).find((token) => token.id === id);
      if (row === undefined) {
        throw new Error(`token ${id} missing from the list`);
      }
      if (revision === null || row.lastDeliveryRevision === revision || Date.now() > deadline) {
        return row;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('token shows stale secrets after a change', async () => {
    const created = await api(server.url, owner, 'POST', '/apps/fleet/environments/production/modules/api/tokens', { name: 'web-1' });
    const { token } = created.body;
    const id = created.body.tokenInfo.id as string;

    const before = await tokenRow(id, null);
    expect(before.lastDeliveryRevision).toBeNull();
    expect(before.stale).toBe(false);

    const first = await api(server.url, token, 'GET', '/delivery');
    const fetched = await tokenRow(id, first.body.revision);
    expect(fetched.lastDeliveryRevision).toBe(first.body.revision);
    expect(fetched.lastDeliveryAt).not.toBeNull();
    expect(fetched.stale).toBe(false);

    await api(server.url, owner, 'PUT', `${secrets}/SECOND`, { value: 'two' });
    const changed = await tokenRow(id, first.body.revision);
    expect(changed.currentRevision).toBe(first.body.revision + 1);
    expect(changed.stale).toBe(true);

    const second = await api(server.url, token, 'GET', '/delivery');
    const refreshed = await tokenRow(id, second.body.revision);
    expect(refreshed.stale).toBe(false);
  });

  test('revoked token is never stale', async () => {
    const created = await api(server.url, owner, 'POST', '/apps/fleet/environments/production/modules/api/tokens', { name: 'web-2' });
    const id = created.body.tokenInfo.id as string;
    const fetched = await api(server.url, created.body.token, 'GET', '/delivery');
    await tokenRow(id, fetched.body.revision);

    expect((await api(server.url, owner, 'DELETE', `/apps/fleet/tokens/${id}`)).status).toBeLessThan(300);
    await api(server.url, owner, 'PUT', `${secrets}/THIRD`, { value: 'three' });

    const revoked = await tokenRow(id, null);
    expect(revoked.currentRevision).toBe(fetched.body.revision + 1);
    expect(revoked.stale).toBe(false);
  });
});
