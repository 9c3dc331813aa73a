import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { alreadyExists } from '../domain/errors.js';
import { assertValidName } from '../domain/names.js';
import type { Database } from '../store/schema.js';
import type { AccessControl } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { nowIso, type RequestContext } from './context.js';

export interface EnvironmentView {
  name: string;
  createdAt: string;
}

/** Environments of an app. A new one starts empty: nothing is copied into it. */
export class EnvironmentsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: AccessControl,
    private readonly audit: AuditLog,
  ) {}

  async create(context: RequestContext, appName: string, name: string): Promise<EnvironmentView> {
    const app = await this.access.requireApp(context, appName, 'manage');
    assertValidName('environment', name);

    const environment = { id: randomUUID(), app_id: app.id, name, created_at: nowIso() };
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('environments')
        .select('id')
        .where('app_id', '=', app.id)
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing !== undefined) {
        throw alreadyExists(`Environment ${JSON.stringify(name)} already exists in app ${JSON.stringify(appName)}.`);
      }
      await trx.insertInto('environments').values(environment).execute();
      await this.audit.record(context, { action: 'environment.create', allowed: true, appId: app.id, environmentId: environment.id, target: name }, trx);
    });
    return { name, createdAt: environment.created_at };
  }

  async list(context: RequestContext, appName: string): Promise<EnvironmentView[]> {
    const app = await this.access.requireApp(context, appName, 'read');
    const rows = await this.db.selectFrom('environments').select(['name', 'created_at']).where('app_id', '=', app.id).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
  }
}
