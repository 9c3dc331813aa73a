import type { Kysely } from 'kysely';

// Frozen: a merged migration is never edited, and it imports nothing from the app, so it
// keeps meaning what it meant when it first ran. Types are chosen to mean the same on
// SQLite and PostgreSQL.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('owner_id', 'text', (column) => column.notNull().references('users.id'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('app_members')
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('app_members_pk', ['app_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('environments')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('environments_app_name_unique', ['app_id', 'name'])
    .execute();

  await db.schema
    .createTable('modules')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('modules_app_name_unique', ['app_id', 'name'])
    .execute();

  await db.schema
    .createTable('module_config')
    .addColumn('module_id', 'text', (column) => column.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('module_config_pk', ['module_id', 'key'])
    .execute();

  await db.schema
    .createTable('data_keys')
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id').onDelete('cascade'))
    .addColumn('module_id', 'text', (column) => column.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('root_key_id', 'text', (column) => column.notNull())
    .addColumn('wrapped_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('data_keys_pk', ['environment_id', 'module_id', 'version'])
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id').onDelete('cascade'))
    .addColumn('module_id', 'text', (column) => column.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('current_version', 'integer', (column) => column.notNull())
    .addColumn('deleted', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('secrets_scope_key_unique', ['environment_id', 'module_id', 'key'])
    .execute();

  await db.schema
    .createTable('secret_versions')
    .addColumn('secret_id', 'text', (column) => column.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('ciphertext', 'text')
    .addColumn('data_key_version', 'integer')
    .addColumn('fingerprint', 'text')
    .addColumn('tombstone', 'integer', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('secret_versions_pk', ['secret_id', 'version'])
    .execute();

  await db.schema.createIndex('secret_versions_fingerprint').on('secret_versions').column('fingerprint').execute();

  await db.schema
    .createTable('revisions')
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id').onDelete('cascade'))
    .addColumn('module_id', 'text', (column) => column.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('revisions_pk', ['environment_id', 'module_id'])
    .execute();

  await db.schema
    .createTable('service_tokens')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id').onDelete('cascade'))
    .addColumn('module_id', 'text', (column) => column.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('hint', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('token_id', 'text', (column) => column.notNull().references('service_tokens.id').onDelete('cascade'))
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('environment_id', 'text', (column) => column.notNull())
    .addColumn('module_id', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('address', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createIndex('deliveries_scope_time')
    .on('deliveries')
    .columns(['environment_id', 'module_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('actor_kind', 'text', (column) => column.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('app_id', 'text')
    .addColumn('environment_id', 'text')
    .addColumn('module_id', 'text')
    .addColumn('target', 'text')
    .addColumn('allowed', 'integer', (column) => column.notNull())
    .addColumn('address', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema.createIndex('audit_events_app_time').on('audit_events').columns(['app_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'audit_events',
    'deliveries',
    'service_tokens',
    'revisions',
    'secret_versions',
    'secrets',
    'data_keys',
    'module_config',
    'modules',
    'environments',
    'app_members',
    'apps',
    'user_tokens',
    'users',
  ];
  for (const table of tables) {
    await db.schema.dropTable(table).execute();
  }
}
