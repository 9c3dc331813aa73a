import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { alreadyExists, notFound, validationError } from '../domain/errors.js';
import { assertValidKey, assertValidName, MAX_CONFIG_VALUE_BYTES } from '../domain/names.js';
import { describeSecretLikeEntry } from '../domain/secret-hints.js';
import type { Database } from '../store/schema.js';
import type { AccessControl } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { nowIso, type RequestContext } from './context.js';

export interface ModuleView {
  name: string;
  createdAt: string;
}

export interface ConfigEntry {
  key: string;
  value: string;
  updatedAt: string;
}

export interface ConfigWriteResult {
  entry: ConfigEntry;
  /** Reasons the entry looks like a secret that belongs in `tresor secrets set` instead. */
  warnings: string[];
}

/** Modules of an app and their plain (non-secret) configuration. */
export class ModulesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: AccessControl,
    private readonly audit: AuditLog,
  ) {}

  async create(context: RequestContext, appName: string, name: string): Promise<ModuleView> {
    const app = await this.access.requireApp(context, appName, 'manage');
    assertValidName('module', name);

    const module = { id: randomUUID(), app_id: app.id, name, created_at: nowIso() };
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('modules').select('id').where('app_id', '=', app.id).where('name', '=', name).executeTakeFirst();
      if (existing !== undefined) {
        throw alreadyExists(`Module ${JSON.stringify(name)} already exists in app ${JSON.stringify(appName)}.`);
      }
      await trx.insertInto('modules').values(module).execute();
      await this.audit.record(context, { action: 'module.create', allowed: true, appId: app.id, moduleId: module.id, target: name }, trx);
    });
    return { name, createdAt: module.created_at };
  }

  async list(context: RequestContext, appName: string): Promise<ModuleView[]> {
    const app = await this.access.requireApp(context, appName, 'read');
    const rows = await this.db.selectFrom('modules').select(['name', 'created_at']).where('app_id', '=', app.id).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
  }

  async setConfig(context: RequestContext, appName: string, moduleName: string, key: string, value: string): Promise<ConfigWriteResult> {
    const app = await this.access.requireApp(context, appName, 'write');
    const module = await this.access.requireModule(app, moduleName);
    assertValidKey(key, 'configuration key');
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_CONFIG_VALUE_BYTES) {
      throw validationError(`The value of configuration key ${key} is ${bytes} bytes; the limit is ${MAX_CONFIG_VALUE_BYTES} bytes.`);
    }

    const updatedAt = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('module_config')
        .values({ module_id: module.id, key, value, updated_at: updatedAt })
        .onConflict((conflict) => conflict.columns(['module_id', 'key']).doUpdateSet({ value, updated_at: updatedAt }))
        .execute();
      await this.audit.record(context, { action: 'config.set', allowed: true, appId: app.id, moduleId: module.id, target: key }, trx);
    });

    const hint = describeSecretLikeEntry(key, value);
    const warnings = hint === null ? [] : [`${hint}; configuration is stored and shown in clear text, so keep secrets in \`tresor secrets set\` instead.`];
    return { entry: { key, value, updatedAt }, warnings };
  }

  async listConfig(context: RequestContext, appName: string, moduleName: string): Promise<ConfigEntry[]> {
    const app = await this.access.requireApp(context, appName, 'read');
    const module = await this.access.requireModule(app, moduleName);
    const rows = await this.db.selectFrom('module_config').selectAll().where('module_id', '=', module.id).orderBy('key').execute();
    return rows.map((row) => ({ key: row.key, value: row.value, updatedAt: row.updated_at }));
  }

  async getConfig(context: RequestContext, appName: string, moduleName: string, key: string): Promise<ConfigEntry> {
    const entries = await this.listConfig(context, appName, moduleName);
    const entry = entries.find((candidate) => candidate.key === key);
    if (entry === undefined) {
      throw notFound(`Configuration key ${JSON.stringify(key)} not found in module ${JSON.stringify(moduleName)}.`);
    }
    return entry;
  }

  async deleteConfig(context: RequestContext, appName: string, moduleName: string, key: string): Promise<void> {
    const app = await this.access.requireApp(context, appName, 'write');
    const module = await this.access.requireModule(app, moduleName);
    await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('module_config').where('module_id', '=', module.id).where('key', '=', key).executeTakeFirst();
      if (result.numDeletedRows === 0n) {
        throw notFound(`Configuration key ${JSON.stringify(key)} not found in module ${JSON.stringify(moduleName)}.`);
      }
      await this.audit.record(context, { action: 'config.delete', allowed: true, appId: app.id, moduleId: module.id, target: key }, trx);
    });
  }
}
