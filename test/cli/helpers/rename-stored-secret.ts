import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { Keyring } from '../../../src/crypto/keyring.js';
import { parseRootKey } from '../../../src/crypto/root-key-text.js';
import { DataKeys } from '../../../src/services/data-keys.js';
import { openValue, sealValue } from '../../../src/services/secret-values.js';
import { openStore } from '../../../src/store/database.js';
import type { TestScope } from '../../support/cli.js';
import type { TresorServer } from '../../support/tresor-server.js';

/**
 * Renames a stored secret to `to` directly in the server's database, re-sealing each of its
 * values for the new key. This plants a key that the API rejects on writes. The server
 * must use the root key file of its data folder.
 */
export async function renameStoredSecret(server: TresorServer, scope: TestScope, from: string, to: string): Promise<void> {
  const rootKey = parseRootKey(await readFile(path.join(server.dataDir, 'root.key'), 'utf8'), 'root.key');
  const dataKeys = new DataKeys(new Keyring([rootKey]));
  const store = openStore(server.databaseUrl);
  try {
    await store.db.transaction().execute(async (trx) => {
      const secret = await trx
        .selectFrom('secrets')
        .innerJoin('apps', 'apps.id', 'secrets.app_id')
        .innerJoin('environments', 'environments.id', 'secrets.environment_id')
        .innerJoin('modules', 'modules.id', 'secrets.module_id')
        .select(['secrets.id', 'secrets.app_id', 'secrets.environment_id', 'secrets.module_id'])
        .where('apps.name', '=', scope.app)
        .where('environments.name', '=', scope.environment)
        .where('modules.name', '=', scope.module)
        .where('secrets.key', '=', from)
        .executeTakeFirstOrThrow();
      const ids = { appId: secret.app_id, environmentId: secret.environment_id, moduleId: secret.module_id };

      const versions = await trx.selectFrom('secret_versions').selectAll().where('secret_id', '=', secret.id).execute();
      for (const version of versions) {
        if (version.ciphertext === null || version.data_key_version === null) {
          continue;
        }
        const dataKey = await dataKeys.forRead(trx, ids, version.data_key_version);
        const place = { ...ids, version: version.version, dataKeyVersion: version.data_key_version };
        const value = openValue(dataKey, { ...place, key: from }, version.ciphertext);
        await trx
          .updateTable('secret_versions')
          .set({ ciphertext: sealValue(dataKey, { ...place, key: to }, value) })
          .where('secret_id', '=', secret.id)
          .where('version', '=', version.version)
          .execute();
      }

      await trx.updateTable('secrets').set({ key: to }).where('id', '=', secret.id).execute();
    });
  } finally {
    await store.close();
  }
}
