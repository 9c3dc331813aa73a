import type { Insertable, Selectable } from 'kysely';

/*
 * One schema for SQLite and PostgreSQL. Ids are random UUIDs in text, timestamps are
 * ISO 8601 UTC text (they sort as text), flags are 0/1 integers and ciphertexts are
 * base64 text: every column type means the same on both dialects.
 */

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
}

export interface UserTokensTable {
  id: string;
  user_id: string;
  /** `personal` for CLI and API tokens, `session` for web UI sign-ins. */
  kind: string;
  name: string;
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface AppsTable {
  id: string;
  name: string;
  owner_id: string;
  created_at: string;
}

export interface AppMembersTable {
  app_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface EnvironmentsTable {
  id: string;
  app_id: string;
  name: string;
  created_at: string;
}

export interface ModulesTable {
  id: string;
  app_id: string;
  name: string;
  created_at: string;
}

export interface ModuleConfigTable {
  module_id: string;
  key: string;
  value: string;
  updated_at: string;
}

export interface DataKeysTable {
  app_id: string;
  environment_id: string;
  module_id: string;
  version: number;
  root_key_id: string;
  wrapped_key: string;
  created_at: string;
}

export interface SecretsTable {
  id: string;
  app_id: string;
  environment_id: string;
  module_id: string;
  key: string;
  /** The newest version; the secret is deleted when that version is a tombstone. */
  current_version: number;
  deleted: number;
  created_at: string;
  updated_at: string;
}

export interface SecretVersionsTable {
  secret_id: string;
  version: number;
  /** Sealed value in base64; null for a tombstone. */
  ciphertext: string | null;
  data_key_version: number | null;
  fingerprint: string | null;
  tombstone: number;
  created_by: string;
  created_at: string;
}

export interface RevisionsTable {
  app_id: string;
  environment_id: string;
  module_id: string;
  revision: number;
  updated_at: string;
}

export interface ServiceTokensTable {
  id: string;
  app_id: string;
  environment_id: string;
  module_id: string;
  name: string;
  token_hash: string;
  hint: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

export interface DeliveriesTable {
  id: string;
  token_id: string;
  app_id: string;
  environment_id: string;
  module_id: string;
  revision: number;
  address: string;
  /** When the first delivery of the row's window was served. */
  created_at: string;
  /** How many deliveries the row stands for: same token, revision and address, within one recording window. */
  count: number;
}

export interface AuditEventsTable {
  id: string;
  actor_kind: string;
  actor_id: string | null;
  action: string;
  app_id: string | null;
  environment_id: string | null;
  module_id: string | null;
  target: string | null;
  allowed: number;
  address: string | null;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  user_tokens: UserTokensTable;
  apps: AppsTable;
  app_members: AppMembersTable;
  environments: EnvironmentsTable;
  modules: ModulesTable;
  module_config: ModuleConfigTable;
  data_keys: DataKeysTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  revisions: RevisionsTable;
  service_tokens: ServiceTokensTable;
  deliveries: DeliveriesTable;
  audit_events: AuditEventsTable;
}

export type UserRow = Selectable<UsersTable>;
export type AppRow = Selectable<AppsTable>;
export type EnvironmentRow = Selectable<EnvironmentsTable>;
export type ModuleRow = Selectable<ModulesTable>;
export type SecretRow = Selectable<SecretsTable>;
export type SecretVersionRow = Selectable<SecretVersionsTable>;
export type ServiceTokenRow = Selectable<ServiceTokensTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
export type NewDelivery = Insertable<DeliveriesTable>;
