import { apiPath } from './api-client.js';
import { UsageError } from './errors.js';

/** The --app, --env and --module flags as commander parsed them. */
export interface ScopeFlags {
  app?: string;
  env?: string;
  module?: string;
}

/** One module's secrets in one environment of an app. */
export interface SecretScope {
  app: string;
  environment: string;
  module: string;
}

function resolveFlag(value: string | undefined, flag: string, variable: string, env: NodeJS.ProcessEnv): string {
  if (value !== undefined) {
    return value;
  }
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== '') {
    return fromEnv;
  }
  throw new UsageError(`Missing ${flag}: pass ${flag} NAME or set ${variable}.`);
}

export function resolveApp(flags: ScopeFlags, env: NodeJS.ProcessEnv): string {
  return resolveFlag(flags.app, '--app', 'TRESOR_APP', env);
}

export function resolveModule(flags: ScopeFlags, env: NodeJS.ProcessEnv): string {
  return resolveFlag(flags.module, '--module', 'TRESOR_MODULE', env);
}

export function resolveScope(flags: ScopeFlags, env: NodeJS.ProcessEnv): SecretScope {
  return {
    app: resolveApp(flags, env),
    environment: resolveFlag(flags.env, '--env', 'TRESOR_ENV', env),
    module: resolveModule(flags, env),
  };
}

/** Builds the API path of a scope's secrets, with every name encoded. */
export function secretsPath(scope: SecretScope, ...rest: string[]): string {
  return apiPath('apps', scope.app, 'environments', scope.environment, 'modules', scope.module, 'secrets', ...rest);
}

export function describeScope(scope: SecretScope): string {
  return `module ${scope.module} of app ${scope.app}, environment ${scope.environment}`;
}
