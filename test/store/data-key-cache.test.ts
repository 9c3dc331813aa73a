import { afterEach, describe, expect, test } from 'vitest';

import { TresorError } from '../../src/domain/errors.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable } from '../support/test-database.js';
import { APP, openTestRuntime, randomRootKey, seedData } from './support/runtime.js';

// Two server instances share one database. A data key that one of them made in a write
// that rolled back must not seal later writes, because no stored key would decrypt them.

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe.skipIf(!isTestDatabaseAvailable())('data key cache', () => {
  test('rolled-back key is never used', async () => {
    const database = await createTestDatabaseUrl();
    cleanups.push(() => database.cleanup());
    const rootKey = randomRootKey();
    const first = await openTestRuntime(database.url, rootKey);
    cleanups.push(first.close);
    const second = await openTestRuntime(database.url, rootKey);
    cleanups.push(second.close);
    const { owner } = await seedData(first.runtime);
    await first.runtime.services.modules.create(owner, APP, 'fresh');
    const scope = { app: APP, environment: 'production', module: 'fresh' };

    // The first write to the scope makes its data key, then fails on a stale version.
    const failed = first.runtime.services.secrets.setSecrets(owner, scope, [
      { key: 'ROLLED_BACK', value: 'never stored' },
      { key: 'STALE', value: 'any', ifVersion: 5 },
    ]);
    await expect(failed).rejects.toBeInstanceOf(TresorError);
    await second.runtime.services.secrets.setSecrets(owner, scope, [{ key: 'FROM_SECOND', value: 'second value' }]);
    await first.runtime.services.secrets.setSecrets(owner, scope, [{ key: 'FROM_FIRST', value: 'first value' }]);

    for (const { runtime } of [first, second]) {
      const revealed = await runtime.services.secrets.revealSecrets(owner, scope, null);
      expect(Object.fromEntries(revealed.secrets.map((secret) => [secret.key, secret.value]))).toEqual({
        FROM_FIRST: 'first value',
        FROM_SECOND: 'second value',
      });
    }
  });
});
