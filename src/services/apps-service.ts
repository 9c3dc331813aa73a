import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { alreadyExists, notFound, validationError } from '../domain/errors.js';
import { assertValidName } from '../domain/names.js';
import type { Database } from '../store/schema.js';
import { isMemberRole, MEMBER_ROLES, type AccessControl } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { nowIso, type RequestContext } from './context.js';
import { normalizeEmail } from './users-service.js';

export interface AppView {
  name: string;
  owner: string;
  role: string;
  createdAt: string;
}

export interface MemberView {
  email: string;
  role: string;
  createdAt: string;
}

export class AppsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: AccessControl,
    private readonly audit: AuditLog,
  ) {}

  async createApp(context: RequestContext, name: string): Promise<AppView> {
    const { actor } = context;
    if (actor.kind !== 'user') {
      throw validationError('Only a signed-in person can create an app.');
    }
    assertValidName('app', name);

    const app = { id: randomUUID(), name, owner_id: actor.userId, created_at: nowIso() };
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('apps').select('id').where('name', '=', name).executeTakeFirst();
      if (existing !== undefined) {
        throw alreadyExists(`An app named ${JSON.stringify(name)} already exists. Choose another name.`);
      }
      await trx.insertInto('apps').values(app).execute();
      await this.audit.record(context, { action: 'app.create', allowed: true, appId: app.id, target: name }, trx);
    });
    return { name, owner: actor.email, role: 'owner', createdAt: app.created_at };
  }

  /** Lists the apps the actor owns or is a member of. */
  async listApps(context: RequestContext): Promise<AppView[]> {
    const { actor } = context;
    if (actor.kind !== 'user') {
      return [];
    }
    const owned = await this.db
      .selectFrom('apps')
      .innerJoin('users', 'users.id', 'apps.owner_id')
      .select(['apps.name', 'users.email as owner', 'apps.created_at'])
      .where('apps.owner_id', '=', actor.userId)
      .execute();
    const shared = await this.db
      .selectFrom('app_members')
      .innerJoin('apps', 'apps.id', 'app_members.app_id')
      .innerJoin('users', 'users.id', 'apps.owner_id')
      .select(['apps.name', 'users.email as owner', 'apps.created_at', 'app_members.role'])
      .where('app_members.user_id', '=', actor.userId)
      .execute();

    const apps = [
      ...owned.map((row) => ({ name: row.name, owner: row.owner, role: 'owner', createdAt: row.created_at })),
      ...shared.map((row) => ({ name: row.name, owner: row.owner, role: row.role, createdAt: row.created_at })),
    ];
    return apps.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Grants a person a role on an app, or changes the role they have. */
  async grantMember(context: RequestContext, appName: string, email: string, role: string): Promise<MemberView> {
    const app = await this.access.requireApp(context, appName, 'own');
    if (!isMemberRole(role)) {
      throw validationError(`Invalid role ${JSON.stringify(role)}: use one of ${MEMBER_ROLES.join(', ')}.`);
    }
    const user = await this.db.selectFrom('users').select(['id', 'email']).where('email', '=', normalizeEmail(email)).executeTakeFirst();
    if (user === undefined) {
      throw notFound(`No user with e-mail ${JSON.stringify(email)}. They need an account first (\`tresor init --email\` on the server).`);
    }
    if (user.id === app.owner_id) {
      throw validationError(`${user.email} owns app ${JSON.stringify(appName)} already; an owner needs no role.`);
    }

    const createdAt = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('app_members')
        .values({ app_id: app.id, user_id: user.id, role, created_at: createdAt })
        .onConflict((conflict) => conflict.columns(['app_id', 'user_id']).doUpdateSet({ role }))
        .execute();
      await this.audit.record(context, { action: 'member.grant', allowed: true, appId: app.id, target: `${user.email}:${role}` }, trx);
    });
    return { email: user.email, role, createdAt };
  }

  async revokeMember(context: RequestContext, appName: string, email: string): Promise<void> {
    const app = await this.access.requireApp(context, appName, 'own');
    const user = await this.db.selectFrom('users').select(['id', 'email']).where('email', '=', normalizeEmail(email)).executeTakeFirst();
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('app_members')
        .where('app_id', '=', app.id)
        .where('user_id', '=', user?.id ?? '')
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) {
        throw notFound(`${email} is not a member of app ${JSON.stringify(appName)}.`);
      }
      await this.audit.record(context, { action: 'member.revoke', allowed: true, appId: app.id, target: user?.email ?? email }, trx);
    });
  }

  async listMembers(context: RequestContext, appName: string): Promise<MemberView[]> {
    const app = await this.access.requireApp(context, appName, 'read');
    const rows = await this.db
      .selectFrom('app_members')
      .innerJoin('users', 'users.id', 'app_members.user_id')
      .select(['users.email', 'app_members.role', 'app_members.created_at'])
      .where('app_members.app_id', '=', app.id)
      .orderBy('users.email')
      .execute();
    return rows.map((row) => ({ email: row.email, role: row.role, createdAt: row.created_at }));
  }
}
