import type { Logger } from 'pino';

import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../store/database.js';
import { AccessControl } from './access-control.js';
import { AppsService } from './apps-service.js';
import { AuditLog } from './audit-log.js';
import { BundleCache, DEFAULT_BUNDLE_CACHE_LIMITS, type BundleCacheLimits } from './bundle-cache.js';
import { DataKeys } from './data-keys.js';
import { DeliveryRecorder } from './delivery-recorder.js';
import { DEFAULT_TOKEN_CACHE_LIMITS, DeliveryService, type TokenCacheLimits } from './delivery-service.js';
import { EnvironmentsService } from './environments-service.js';
import { ModulesService } from './modules-service.js';
import { SecretsService } from './secrets-service.js';
import { TokensService } from './tokens-service.js';
import { UsersService } from './users-service.js';

export interface Services {
  access: AccessControl;
  audit: AuditLog;
  users: UsersService;
  apps: AppsService;
  environments: EnvironmentsService;
  modules: ModulesService;
  secrets: SecretsService;
  tokens: TokensService;
  delivery: DeliveryService;
  /** Writes the delivery records buffered so far. */
  flush(): Promise<void>;
  /** Writes the buffered delivery records before the store closes, and logs any it could not write. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  bundleCache?: BundleCacheLimits;
  tokenCache?: TokenCacheLimits;
  deliveryFlushIntervalMs?: number;
}

/** Creates the services layer (its composition root), giving each service only what it uses. */
export function createServices(store: Store, keyring: Keyring, logger: Logger, options: ServiceOptions = {}): Services {
  const { db } = store;
  const audit = new AuditLog(db);
  const access = new AccessControl(db, audit);
  const secrets = new SecretsService(db, access, audit, keyring, new DataKeys(keyring));
  const recorder = new DeliveryRecorder(db, logger, options.deliveryFlushIntervalMs === undefined ? {} : { flushIntervalMs: options.deliveryFlushIntervalMs });
  const cache = new BundleCache(options.bundleCache ?? DEFAULT_BUNDLE_CACHE_LIMITS);
  const tokens = new TokensService(db, access, audit);
  // PostgreSQL gets no counter, so its deliveries query the token every time.
  const tokenCache = {
    limits: options.tokenCache ?? DEFAULT_TOKEN_CACHE_LIMITS,
    ...(store.dialect === 'sqlite' && store.externalChangeCounter !== undefined ? { externalChangeCounter: store.externalChangeCounter } : {}),
  };
  const delivery = new DeliveryService(db, secrets, cache, recorder, tokenCache);
  tokens.onRevoke(() => delivery.forgetTokenScopes());

  return {
    access,
    audit,
    users: new UsersService(db, audit),
    apps: new AppsService(db, access, audit),
    environments: new EnvironmentsService(db, access, audit),
    modules: new ModulesService(db, access, audit),
    secrets,
    tokens,
    delivery,
    flush: () => recorder.flush(),
    close: () => recorder.close(),
  };
}
