import { randomBytes, randomUUID } from 'node:crypto';

import { importDist } from './paths.mjs';
import { OWNER_EMAIL, tresorEnvironment } from './tresor-process.mjs';

const ROWS_PER_INSERT = 500;
const ENVIRONMENT_NAMES = ['development', 'staging', 'production'];

/**
 * Fills a Tresor store directly, without HTTP, through the project's own store and crypto
 * modules from dist/, in one transaction per app. It writes the rows the API writes: data
 * keys wrapped by the root key, values sealed with AES-256-GCM and bound to their row,
 * fingerprints, revisions, audit events, and one service token per scope.
 *
 * The `target` scope (app 0, the last environment, module 0) gets `targetSecrets`; the
 * other scopes share the rest of `totalSecrets`. Returns the service tokens of every scope,
 * the target's first.
 */
export async function bulkLoadStore({ dataDir, databaseUrl, apps, modulesPerApp, environments, totalSecrets, targetSecrets, fillerValueBytes, log }) {
  const { openStore } = await importDist('store/database.js');
  const { migrateToLatest } = await importDist('store/migrator.js');
  const { defaultDatabaseUrl } = await importDist('server/runtime.js');
  const { loadRootKey } = await importDist('crypto/root-key.js');
  const { Keyring } = await importDist('crypto/keyring.js');
  const { dataKeyContext } = await importDist('crypto/context.js');
  const { generateToken, hashToken, tokenHint } = await importDist('crypto/tokens.js');
  const { sealValue } = await importDist('services/secret-values.js');

  const rootKey = await loadRootKey({ env: tresorEnvironment(), dataDir });
  const keyring = new Keyring([rootKey.key]);
  const store = openStore(databaseUrl ?? defaultDatabaseUrl(dataDir));
  const startedAt = performance.now();
  let secretsWritten = 0;
  const tokens = [];

  try {
    await migrateToLatest(store.db);
    const owner = await store.db.selectFrom('users').select('id').where('email', '=', OWNER_EMAIL).executeTakeFirstOrThrow();
    const scopes = apps * modulesPerApp * environments;
    const fillerSecrets = totalSecrets - targetSecrets.length;
    const otherScopes = scopes - 1;

    let scopeIndex = 0;
    for (let appIndex = 0; appIndex < apps; appIndex += 1) {
      const rows = emptyRows();
      const now = new Date().toISOString();
      const app = { id: randomUUID(), name: `app-${appIndex}`, owner_id: owner.id, created_at: now };
      rows.apps.push(app);
      const environmentRows = ENVIRONMENT_NAMES.slice(-environments).map((name) => ({ id: randomUUID(), app_id: app.id, name, created_at: now }));
      rows.environments.push(...environmentRows);
      const moduleRows = Array.from({ length: modulesPerApp }, (_, index) => ({ id: randomUUID(), app_id: app.id, name: `module-${index}`, created_at: now }));
      rows.modules.push(...moduleRows);

      // The target scope is visited first so its token comes first: the last environment of
      // app 0 (production when there are 3) and its module 0.
      for (const environment of [...environmentRows].reverse()) {
        for (const module of moduleRows) {
          const ids = { appId: app.id, environmentId: environment.id, moduleId: module.id };
          const isTarget = scopeIndex === 0;
          // Spread the filler secrets evenly: scope i (of the others) gets its share, rounded.
          const count = isTarget ? targetSecrets.length : Math.round((fillerSecrets * scopeIndex) / otherScopes) - Math.round((fillerSecrets * (scopeIndex - 1)) / otherScopes);
          const secrets = isTarget ? targetSecrets : fillerSecretsOf(count, fillerValueBytes);
          addScope(rows, { ids, secrets, ownerId: owner.id, now, keyring, dataKeyContext, sealValue });
          const token = generateToken('service');
          rows.service_tokens.push({
            id: randomUUID(), ...columnsOf(ids), name: `${module.name}-${environment.name}`, token_hash: hashToken(token), hint: tokenHint(token),
            created_by: owner.id, created_at: now, revoked_at: null,
          });
          tokens.push(token);
          secretsWritten += secrets.length;
          scopeIndex += 1;
        }
      }

      await store.db.transaction().execute(async (trx) => {
        for (const [table, tableRows] of Object.entries(rows)) {
          for (let offset = 0; offset < tableRows.length; offset += ROWS_PER_INSERT) {
            await trx.insertInto(table).values(tableRows.slice(offset, offset + ROWS_PER_INSERT)).execute();
          }
        }
      });
      if ((appIndex + 1) % 10 === 0 || appIndex === apps - 1) {
        log?.(`bulk load: ${appIndex + 1}/${apps} apps, ${secretsWritten} secrets`);
      }
    }
  } finally {
    await store.close();
  }

  const seconds = (performance.now() - startedAt) / 1000;
  return { tokens, secretsWritten, scopes: tokens.length, seconds, secretsPerSecond: secretsWritten / seconds };
}

// Tables in the order their foreign keys need.
function emptyRows() {
  return { apps: [], environments: [], modules: [], data_keys: [], secrets: [], secret_versions: [], revisions: [], service_tokens: [], audit_events: [] };
}

function columnsOf(ids) {
  return { app_id: ids.appId, environment_id: ids.environmentId, module_id: ids.moduleId };
}

/** Adds one scope's data key, secrets (version 1 of each), revision and audit events. */
function addScope(rows, { ids, secrets, ownerId, now, keyring, dataKeyContext, sealValue }) {
  const dataKeyVersion = 1;
  const dataKey = keyring.generateDataKey();
  const { rootKeyId, wrapped } = keyring.wrapDataKey(dataKey, dataKeyContext({ ...ids, dataKeyVersion }));
  rows.data_keys.push({ ...columnsOf(ids), version: dataKeyVersion, root_key_id: rootKeyId, wrapped_key: wrapped.toString('base64'), created_at: now });

  for (const { key, value } of secrets) {
    const secretId = randomUUID();
    rows.secrets.push({ id: secretId, ...columnsOf(ids), key, current_version: 1, deleted: 0, created_at: now, updated_at: now });
    rows.secret_versions.push({
      secret_id: secretId,
      version: 1,
      ciphertext: sealValue(dataKey, { ...ids, key, version: 1, dataKeyVersion }, value),
      data_key_version: dataKeyVersion,
      fingerprint: keyring.fingerprint(value),
      tombstone: 0,
      created_by: ownerId,
      created_at: now,
    });
    rows.audit_events.push({
      id: randomUUID(), actor_kind: 'user', actor_id: ownerId, action: 'secret.import', ...columnsOf(ids), target: key, allowed: 1, address: '127.0.0.1', created_at: now,
    });
  }
  rows.revisions.push({ ...columnsOf(ids), revision: secrets.length > 0 ? 1 : 0, updated_at: now });
  dataKey.fill(0);
}

/** Random printable values, the length of each uniform in [min, max] bytes. */
function fillerSecretsOf(count, { min, max }) {
  return Array.from({ length: count }, (_, index) => {
    const length = min + Math.floor(Math.random() * (max - min + 1));
    return { key: `FILLER_${index}`, value: randomBytes(Math.ceil((length * 3) / 4) + 3).toString('base64').slice(0, length) };
  });
}
