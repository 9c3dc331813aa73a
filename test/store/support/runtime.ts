import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';
import { sql, type Kysely } from 'kysely';

import type { RequestContext } from '../../../src/services/context.js';
import { openRuntime, type Runtime } from '../../../src/server/runtime.js';
import { BACKUP_TABLES } from '../../../src/store/backup/backup-tables.js';
import type { Database } from '../../../src/store/schema.js';

export const OWNER_EMAIL = 'owner@example.com';
const OWNER_PASSWORD = 'owner-password-for-backup-tests';
export const CANARY_VALUE = 'canary-plaintext-value-9f3b1c';

export const APP = 'shop';
export const ENVIRONMENTS = ['staging', 'production'];
export const MODULES = ['api', 'worker'];

/** Opens the services on a database in-process, with a silent logger and the given root key. */
export async function openTestRuntime(databaseUrl: string, rootKey: string): Promise<{ runtime: Runtime; close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-backup-runtime-'));
  const runtime = await openRuntime({
    dataDir,
    databaseUrl,
    env: { TRESOR_ROOT_KEY: rootKey },
    logger: pino({ level: 'silent' }),
    services: { deliveryFlushIntervalMs: 10 },
  });
  return {
    runtime,
    close: async () => {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function randomRootKey(): string {
  return randomBytes(32).toString('base64');
}

export interface SeededData {
  owner: RequestContext;
  personalToken: string;
  serviceToken: string;
}

/**
 * Fills a store with one of everything a backup must keep: a user and a session, an app
 * with a member, environments, modules, configuration, secrets with history and a
 * deletion, service tokens (one revoked), deliveries and audit events.
 */
export async function seedData(runtime: Runtime): Promise<SeededData> {
  const { services } = runtime;
  const system: RequestContext = { actor: { kind: 'system' }, address: null };
  await services.users.createUser(system, OWNER_EMAIL, OWNER_PASSWORD);
  await services.users.createUser(system, 'member@example.com', OWNER_PASSWORD);
  const login = await services.users.login({ actor: { kind: 'system' }, address: '127.0.0.1' }, OWNER_EMAIL, OWNER_PASSWORD, 'backup-test');
  const actor = await services.users.authenticate(login.token);
  if (actor === null) {
    throw new Error('The new personal token does not authenticate.');
  }
  const owner: RequestContext = { actor, address: '127.0.0.1' };

  await services.apps.createApp(owner, APP);
  await services.apps.grantMember(owner, APP, 'member@example.com', 'viewer');
  for (const environment of ENVIRONMENTS) {
    await services.environments.create(owner, APP, environment);
  }
  for (const module of MODULES) {
    await services.modules.create(owner, APP, module);
    await services.modules.setConfig(owner, APP, module, 'LOG_LEVEL', 'info');
  }

  for (const environment of ENVIRONMENTS) {
    for (const module of MODULES) {
      const scope = { app: APP, environment, module };
      await services.secrets.setSecrets(owner, scope, [
        { key: 'DATABASE_URL', value: `postgres://${module}@db/${environment}` },
        { key: 'MULTILINE', value: 'line one\nline two\n  "quoted" $HOME ü' },
        { key: 'EMPTY', value: '' },
      ]);
      await services.secrets.setSecrets(owner, scope, [{ key: 'DATABASE_URL', value: `postgres://${module}@db-2/${environment}` }]);
      await services.secrets.setSecrets(owner, scope, [{ key: 'OLD_KEY', value: 'to be deleted' }]);
      await services.secrets.deleteSecret(owner, scope, 'OLD_KEY');
    }
  }
  await services.secrets.setSecrets(owner, { app: APP, environment: 'production', module: 'api' }, [{ key: 'CANARY', value: CANARY_VALUE }]);

  const scope = { app: APP, environment: 'production', module: 'api' };
  const { token: serviceToken } = await services.tokens.create(owner, scope, 'api-production');
  const revoked = await services.tokens.create(owner, scope, 'revoked');
  await services.tokens.revoke(owner, APP, revoked.tokenInfo.id);
  await services.delivery.deliver(serviceToken, '10.0.0.7');
  await services.delivery.deliver(serviceToken, '10.0.0.8');
  await services.flush();

  return { owner, personalToken: login.token, serviceToken };
}

/** Returns every row of every backed-up table, each table sorted by its primary key. */
export async function dumpTables(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const table of BACKUP_TABLES) {
    const keyColumns = sql.join(table.primaryKey.map((column) => sql.ref(column)));
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)} order by ${keyColumns}`.execute(db);
    dump[table.name] = result.rows;
  }
  return dump;
}

/** Reveals every secret of every scope of the seeded app, with each key's history. */
export async function revealEverything(runtime: Runtime, owner: RequestContext): Promise<Record<string, unknown>> {
  const everything: Record<string, unknown> = {};
  for (const environment of ENVIRONMENTS) {
    for (const module of MODULES) {
      const scope = { app: APP, environment, module };
      const revealed = await runtime.services.secrets.revealSecrets(owner, scope, null);
      const histories: Record<string, unknown> = {};
      for (const secret of revealed.secrets) {
        histories[secret.key] = await runtime.services.secrets.history(owner, scope, secret.key);
      }
      histories['OLD_KEY'] = await runtime.services.secrets.history(owner, scope, 'OLD_KEY');
      everything[`${environment}/${module}`] = { revision: revealed.revision, secrets: revealed.secrets, histories };
    }
  }
  return everything;
}
