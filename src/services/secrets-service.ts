import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Keyring } from '../crypto/keyring.js';
import { notFound, TresorError, validationError } from '../domain/errors.js';
import { assertValidValue, describeInvalidKey, MAX_SECRETS_PER_WRITE } from '../domain/names.js';
import type { Database } from '../store/schema.js';
import type { AccessControl, Scope } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { actorId, nowIso, type RequestContext } from './context.js';
import type { DataKeys, ScopeIds } from './data-keys.js';
import { advanceRevision, currentRevision } from './revisions.js';
import { openValue, sealValue } from './secret-values.js';

export interface ScopeNames {
  app: string;
  environment: string;
  module: string;
}

export interface SecretEntry {
  key: string;
  value: string;
}

export interface SecretWrite extends SecretEntry {
  /** Compare-and-set: the write fails unless the secret's current version is this one (0: must not exist). */
  ifVersion?: number;
}

export interface SecretMetadata {
  key: string;
  version: number;
  updatedAt: string;
  updatedBy: string | null;
}

export interface RevealedSecret extends SecretMetadata {
  value: string;
}

export interface WriteResult {
  revision: number;
  changed: Array<{ key: string; version: number }>;
  unchanged: string[];
}

export interface VersionView {
  version: number;
  createdAt: string;
  createdBy: string | null;
  deleted: boolean;
}

/** A callback notified after each committed change of a scope; the delivery cache uses one. */
export type ScopeChangeListener = (scope: ScopeIds, revision: number) => void;

export class SecretsService {
  private readonly listeners: ScopeChangeListener[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: AccessControl,
    private readonly audit: AuditLog,
    private readonly keyring: Keyring,
    private readonly dataKeys: DataKeys,
  ) {}

  onChange(listener: ScopeChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * Writes one or more secrets of a module in one transaction: every entry is checked
   * first, then all are written or none. A value equal to the current one is left alone.
   */
  async setSecrets(context: RequestContext, names: ScopeNames, entries: SecretWrite[], action = 'secret.set'): Promise<WriteResult> {
    assertWritableEntries(entries);
    const scope = await this.access.requireScope(context, names, 'write');
    const ids = scopeIds(scope);

    const outcome = await this.db.transaction().execute(async (trx) => {
      const knownKey = await this.dataKeys.newest(trx, ids);
      const revision = await advanceRevision(trx, ids);
      const dataKey = knownKey ?? (await this.dataKeys.forWrite(trx, ids));
      const changed: WriteResult['changed'] = [];
      const unchanged: string[] = [];

      for (const entry of entries) {
        const fingerprint = this.keyring.fingerprint(entry.value);
        const existing = await trx
          .selectFrom('secrets')
          .leftJoin('secret_versions', (join) =>
            join.onRef('secret_versions.secret_id', '=', 'secrets.id').onRef('secret_versions.version', '=', 'secrets.current_version'),
          )
          .select(['secrets.id', 'secrets.current_version', 'secrets.deleted', 'secret_versions.fingerprint'])
          .where('secrets.environment_id', '=', ids.environmentId)
          .where('secrets.module_id', '=', ids.moduleId)
          .where('secrets.key', '=', entry.key)
          .executeTakeFirst();

        const liveVersion = existing === undefined || existing.deleted === 1 ? 0 : existing.current_version;
        if (entry.ifVersion === 0 && liveVersion !== 0) {
          throw new TresorError(
            'CONFLICT',
            `Secret ${entry.key} already exists (version ${liveVersion}), and version 0 means "only if it does not exist". Read it, then write with its current version.`,
          );
        }
        if (entry.ifVersion !== undefined && entry.ifVersion !== liveVersion) {
          throw new TresorError(
            'CONFLICT',
            `Secret ${entry.key} is at version ${liveVersion}, not ${entry.ifVersion}: someone changed it meanwhile. Read it again and retry.`,
          );
        }
        if (existing !== undefined && existing.deleted === 0 && existing.fingerprint === fingerprint) {
          unchanged.push(entry.key);
          continue;
        }

        const version = (existing?.current_version ?? 0) + 1;
        const secretId = existing?.id ?? randomUUID();
        const now = nowIso();
        if (existing === undefined) {
          await trx
            .insertInto('secrets')
            .values({ id: secretId, ...idsColumns(ids), key: entry.key, current_version: version, deleted: 0, created_at: now, updated_at: now })
            .execute();
        } else {
          await trx.updateTable('secrets').set({ current_version: version, deleted: 0, updated_at: now }).where('id', '=', secretId).execute();
        }
        await trx
          .insertInto('secret_versions')
          .values({
            secret_id: secretId,
            version,
            ciphertext: sealValue(dataKey.key, { ...ids, key: entry.key, version, dataKeyVersion: dataKey.version }, entry.value),
            data_key_version: dataKey.version,
            fingerprint,
            tombstone: 0,
            created_by: actorId(context.actor) ?? 'system',
            created_at: now,
          })
          .execute();
        await this.audit.record(context, { action, allowed: true, ...ids, target: entry.key }, trx);
        changed.push({ key: entry.key, version });
      }

      if (changed.length === 0) {
        // Rolls back the revision taken above: an unchanged scope keeps its revision.
        throw new NothingChanged({ revision: revision - 1, changed, unchanged });
      }
      return { revision, changed, unchanged };
    }).catch((error: unknown) => {
      if (error instanceof NothingChanged) {
        return error.result;
      }
      throw error;
    });

    this.notify(ids, outcome.changed.length > 0 ? outcome.revision : null);
    return outcome;
  }

  async listSecrets(context: RequestContext, names: ScopeNames): Promise<{ revision: number; secrets: SecretMetadata[] }> {
    const scope = await this.access.requireScope(context, names, 'read');
    const ids = scopeIds(scope);
    const rows = await this.currentRows(this.db, ids);
    const revision = await currentRevision(this.db, ids);
    return { revision, secrets: rows.map((row) => ({ key: row.key, version: row.version, updatedAt: row.created_at, updatedBy: row.email })) };
  }

  /** Decrypts the current values of some or all keys; every reveal is audited by key. */
  async revealSecrets(context: RequestContext, names: ScopeNames, keys: string[] | null): Promise<{ revision: number; secrets: RevealedSecret[] }> {
    const scope = await this.access.requireScope(context, names, 'reveal');
    const ids = scopeIds(scope);
    const rows = (await this.currentRows(this.db, ids)).filter((row) => keys === null || keys.includes(row.key));
    if (keys !== null) {
      const missing = keys.filter((key) => !rows.some((row) => row.key === key));
      if (missing.length > 0) {
        throw notFound(`Secret ${missing.join(', ')} not found in ${describeScope(names)}. Run \`tresor secrets list\` to see its keys.`);
      }
    }

    const secrets: RevealedSecret[] = [];
    for (const row of rows) {
      secrets.push({ key: row.key, version: row.version, updatedAt: row.created_at, updatedBy: row.email, value: await this.decryptRow(ids, row) });
    }
    await this.audit.record(context, { action: 'secret.reveal', allowed: true, ...ids, target: keys === null ? '*' : keys.join(',') });
    const revision = await currentRevision(this.db, ids);
    return { revision, secrets };
  }

  /** Deletes a secret by writing a tombstone version; its history stays. */
  async deleteSecret(context: RequestContext, names: ScopeNames, key: string): Promise<{ revision: number; version: number }> {
    const scope = await this.access.requireScope(context, names, 'write');
    const ids = scopeIds(scope);

    const result = await this.db.transaction().execute(async (trx) => {
      const revision = await advanceRevision(trx, ids);
      const existing = await this.findSecret(trx, ids, key);
      if (existing === undefined || existing.deleted === 1) {
        throw notFound(`Secret ${key} not found in ${describeScope(names)}.`);
      }
      const version = existing.current_version + 1;
      const now = nowIso();
      await trx.updateTable('secrets').set({ current_version: version, deleted: 1, updated_at: now }).where('id', '=', existing.id).execute();
      await trx
        .insertInto('secret_versions')
        .values({ secret_id: existing.id, version, ciphertext: null, data_key_version: null, fingerprint: null, tombstone: 1, created_by: actorId(context.actor) ?? 'system', created_at: now })
        .execute();
      await this.audit.record(context, { action: 'secret.delete', allowed: true, ...ids, target: key }, trx);
      return { revision, version };
    });

    this.notify(ids, result.revision);
    return result;
  }

  async history(context: RequestContext, names: ScopeNames, key: string): Promise<VersionView[]> {
    const scope = await this.access.requireScope(context, names, 'read');
    const ids = scopeIds(scope);
    const secret = await this.findSecret(this.db, ids, key);
    if (secret === undefined) {
      throw notFound(`Secret ${key} not found in ${describeScope(names)}.`);
    }
    const rows = await this.db
      .selectFrom('secret_versions')
      .leftJoin('users', 'users.id', 'secret_versions.created_by')
      .select(['secret_versions.version', 'secret_versions.created_at', 'secret_versions.tombstone', 'users.email'])
      .where('secret_versions.secret_id', '=', secret.id)
      .orderBy('secret_versions.version', 'desc')
      .execute();
    return rows.map((row) => ({ version: row.version, createdAt: row.created_at, createdBy: row.email, deleted: row.tombstone === 1 }));
  }

  /** Makes an earlier value current again by writing it as a new version. */
  async rollback(context: RequestContext, names: ScopeNames, key: string, toVersion: number): Promise<WriteResult> {
    const scope = await this.access.requireScope(context, names, 'write');
    const ids = scopeIds(scope);
    const secret = await this.findSecret(this.db, ids, key);
    if (secret === undefined) {
      throw notFound(`Secret ${key} not found in ${describeScope(names)}.`);
    }
    const target = await this.db
      .selectFrom('secret_versions')
      .selectAll()
      .where('secret_id', '=', secret.id)
      .where('version', '=', toVersion)
      .executeTakeFirst();
    if (target === undefined) {
      throw notFound(`Secret ${key} has no version ${toVersion}. Run \`tresor secrets history\` to see its versions.`);
    }
    if (target.tombstone === 1 || target.ciphertext === null || target.data_key_version === null) {
      throw validationError(`Version ${toVersion} of ${key} is a deletion; roll back to a version that has a value.`);
    }
    const dataKey = await this.dataKeys.forRead(this.db, ids, target.data_key_version);
    const value = openValue(dataKey, { ...ids, key, version: toVersion, dataKeyVersion: target.data_key_version }, target.ciphertext);
    return this.setSecrets(context, names, [{ key, value }], 'secret.rollback');
  }

  /** Loads and decrypts a scope's current values without an access check: callers authorize first. */
  async loadBundle(ids: ScopeIds): Promise<{ revision: number; secrets: Record<string, string> }> {
    const revision = await currentRevision(this.db, ids);
    const rows = await this.currentRows(this.db, ids);
    // A null prototype makes a key such as __proto__ an ordinary property instead of a setter.
    const secrets: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const row of rows) {
      secrets[row.key] = await this.decryptRow(ids, row);
    }
    return { revision, secrets };
  }

  private async currentRows(executor: Kysely<Database>, ids: ScopeIds) {
    return executor
      .selectFrom('secrets')
      .innerJoin('secret_versions', (join) =>
        join.onRef('secret_versions.secret_id', '=', 'secrets.id').onRef('secret_versions.version', '=', 'secrets.current_version'),
      )
      .leftJoin('users', 'users.id', 'secret_versions.created_by')
      .select(['secrets.key', 'secret_versions.version', 'secret_versions.ciphertext', 'secret_versions.data_key_version', 'secret_versions.created_at', 'users.email'])
      .where('secrets.environment_id', '=', ids.environmentId)
      .where('secrets.module_id', '=', ids.moduleId)
      .where('secrets.deleted', '=', 0)
      .orderBy('secrets.key')
      .execute();
  }

  private async decryptRow(ids: ScopeIds, row: { key: string; version: number; ciphertext: string | null; data_key_version: number | null }): Promise<string> {
    if (row.ciphertext === null || row.data_key_version === null) {
      throw new TresorError('INTERNAL', 'A live secret version has no ciphertext.');
    }
    const dataKey = await this.dataKeys.forRead(this.db, ids, row.data_key_version);
    return openValue(dataKey, { ...ids, key: row.key, version: row.version, dataKeyVersion: row.data_key_version }, row.ciphertext);
  }

  private findSecret(executor: Kysely<Database>, ids: ScopeIds, key: string) {
    return executor
      .selectFrom('secrets')
      .selectAll()
      .where('environment_id', '=', ids.environmentId)
      .where('module_id', '=', ids.moduleId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  private notify(ids: ScopeIds, revision: number | null): void {
    if (revision === null) {
      return;
    }
    for (const listener of this.listeners) {
      listener(ids, revision);
    }
  }
}

export function scopeIds(scope: Scope): ScopeIds {
  return { appId: scope.app.id, environmentId: scope.environment.id, moduleId: scope.module.id };
}

function idsColumns(ids: ScopeIds) {
  return { app_id: ids.appId, environment_id: ids.environmentId, module_id: ids.moduleId };
}

function describeScope(names: ScopeNames): string {
  return `module ${names.module} of app ${names.app}, environment ${names.environment}`;
}

/** Checks every entry before anything is written, and reports all problems at once. */
function assertWritableEntries(entries: SecretWrite[]): void {
  if (entries.length === 0) {
    throw validationError('No secrets given: pass at least one KEY.');
  }
  if (entries.length > MAX_SECRETS_PER_WRITE) {
    throw validationError(`${entries.length} secrets in one write; the limit is ${MAX_SECRETS_PER_WRITE}. Split the import.`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const keyProblem = describeInvalidKey(entry.key);
    if (keyProblem !== null) {
      problems.push(`${JSON.stringify(entry.key)}: ${keyProblem}`);
      continue;
    }
    if (seen.has(entry.key)) {
      problems.push(`${entry.key}: given more than once`);
    }
    seen.add(entry.key);
    try {
      assertValidValue(entry.key, entry.value);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push(message.replace(/\.$/, ''));
    }
  }
  if (problems.length > 0) {
    throw validationError(`Nothing was written. Invalid secrets: ${problems.join('; ')}.`);
  }
}

/** Thrown inside a write's transaction to roll it back when no entry changed. It carries the result to return. */
class NothingChanged extends Error {
  constructor(readonly result: WriteResult) {
    super('No secret changed.');
  }
}
