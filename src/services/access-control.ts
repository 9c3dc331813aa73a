import type { Kysely } from 'kysely';

import { forbidden, notFound, TresorError } from '../domain/errors.js';
import type { AppRow, Database, EnvironmentRow, ModuleRow } from '../store/schema.js';
import type { AuditLog } from './audit-log.js';
import type { RequestContext } from './context.js';

/**
 * An action on an app that a role may or may not allow.
 * - `read`: see the app, its environments, modules, configuration and secret keys.
 * - `reveal`: read secret values.
 * - `write`: change configuration and secrets.
 * - `manage`: create environments and modules, issue and revoke service tokens.
 * - `own`: grant and remove members.
 */
export type Permission = 'read' | 'reveal' | 'write' | 'manage' | 'own';

export const MEMBER_ROLES = ['viewer', 'developer', 'admin'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

const ROLE_PERMISSIONS: Record<MemberRole | 'owner', readonly Permission[]> = {
  viewer: ['read'],
  developer: ['read', 'reveal', 'write'],
  admin: ['read', 'reveal', 'write', 'manage'],
  owner: ['read', 'reveal', 'write', 'manage', 'own'],
};

export interface Scope {
  app: AppRow;
  environment: EnvironmentRow;
  module: ModuleRow;
}

/**
 * The one place that decides whether a person may act on an app. Every service calls it
 * before touching an app's data, whatever route or command the request came through.
 */
export class AccessControl {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Returns the app if the actor may act on it. An app the actor has no role on is
   * reported as not found, so names of other people's apps do not leak.
   */
  async requireApp(context: RequestContext, appName: string, permission: Permission): Promise<AppRow> {
    const { actor } = context;
    if (actor.kind !== 'user') {
      throw forbidden('Service tokens can only fetch their module\'s secrets; sign in as a person for this.');
    }

    const app = await this.db.selectFrom('apps').selectAll().where('name', '=', appName).executeTakeFirst();
    const role = app === undefined ? null : await this.roleOf(app, actor.userId);
    if (app === undefined || role === null) {
      if (app !== undefined) {
        await this.audit.record(context, { action: `app.${permission}`, allowed: false, appId: app.id });
      }
      throw notFound(`App ${JSON.stringify(appName)} not found. Run \`tresor apps list\` to see the apps you can use.`);
    }

    if (!ROLE_PERMISSIONS[role].includes(permission)) {
      await this.audit.record(context, { action: `app.${permission}`, allowed: false, appId: app.id });
      throw forbidden(
        `Your role on app ${JSON.stringify(appName)} is ${role}, which does not allow "${permission}". Ask the app's owner for a role that does.`,
      );
    }
    return app;
  }

  async requireEnvironment(app: AppRow, environmentName: string): Promise<EnvironmentRow> {
    const environment = await this.db
      .selectFrom('environments')
      .selectAll()
      .where('app_id', '=', app.id)
      .where('name', '=', environmentName)
      .executeTakeFirst();
    if (environment === undefined) {
      throw notFound(
        `Environment ${JSON.stringify(environmentName)} not found in app ${JSON.stringify(app.name)}. Create it with \`tresor envs create --app ${app.name} ${environmentName}\`.`,
      );
    }
    return environment;
  }

  async requireModule(app: AppRow, moduleName: string): Promise<ModuleRow> {
    const module = await this.db
      .selectFrom('modules')
      .selectAll()
      .where('app_id', '=', app.id)
      .where('name', '=', moduleName)
      .executeTakeFirst();
    if (module === undefined) {
      throw notFound(
        `Module ${JSON.stringify(moduleName)} not found in app ${JSON.stringify(app.name)}. Create it with \`tresor modules create --app ${app.name} ${moduleName}\`.`,
      );
    }
    return module;
  }

  async requireScope(
    context: RequestContext,
    names: { app: string; environment: string; module: string },
    permission: Permission,
  ): Promise<Scope> {
    const app = await this.requireApp(context, names.app, permission);
    const environment = await this.requireEnvironment(app, names.environment);
    const module = await this.requireModule(app, names.module);
    return { app, environment, module };
  }

  async roleOf(app: AppRow, userId: string): Promise<MemberRole | 'owner' | null> {
    if (app.owner_id === userId) {
      return 'owner';
    }
    const member = await this.db
      .selectFrom('app_members')
      .select('role')
      .where('app_id', '=', app.id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (member === undefined) {
      return null;
    }
    if (!isMemberRole(member.role)) {
      throw new TresorError('INTERNAL', 'A membership row has an unknown role.');
    }
    return member.role;
  }
}

export function isMemberRole(role: string): role is MemberRole {
  return (MEMBER_ROLES as readonly string[]).includes(role);
}
