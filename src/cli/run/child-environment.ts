import { describeInvalidKey } from '../../domain/names.js';

/** Variable carrying the module's service token, which is always removed from the command's environment. */
export const TOKEN_VARIABLE = 'TRESOR_TOKEN';

// A lone UTF-16 surrogate cannot be encoded as UTF-8, so the operating system would
// receive U+FFFD in its place: a changed value.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface ChildEnvironmentOptions {
  /** Keep an inherited variable when a secret has the same name, instead of replacing it. */
  preserveEnv?: boolean;
}

export interface ChildEnvironment {
  /** The command's environment, in a null-prototype object so that any name is an ordinary entry. */
  env: NodeJS.ProcessEnv;
  /** Names of inherited variables that a secret replaced. */
  overridden: string[];
  /** Names of inherited variables kept in place of a secret, because preserveEnv was set. */
  preserved: string[];
  /** Names of secrets left out because no environment can carry them as they are. */
  skipped: string[];
}

function canPassSecret(key: string, value: string): boolean {
  return (
    key !== TOKEN_VARIABLE &&
    describeInvalidKey(key) === null &&
    !value.includes('\0') &&
    !LONE_SURROGATE.test(value)
  );
}

/**
 * Merges the secrets into the inherited environment, without the service token.
 *
 * A secret is left out, and its name listed in `skipped`, when its key is not a POSIX
 * variable name or is TRESOR_TOKEN, or when its value contains NUL or a lone surrogate.
 * The server rejects such secrets when they are written, so this is a second line of defence.
 */
export function buildChildEnvironment(
  inherited: NodeJS.ProcessEnv,
  secrets: Record<string, string>,
  options: ChildEnvironmentOptions = {},
): ChildEnvironment {
  const env: NodeJS.ProcessEnv = Object.create(null);
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && name !== TOKEN_VARIABLE) {
      env[name] = value;
    }
  }

  const overridden: string[] = [];
  const preserved: string[] = [];
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(secrets)) {
    if (!canPassSecret(key, value)) {
      skipped.push(key);
      continue;
    }

    if (Object.hasOwn(env, key)) {
      if (options.preserveEnv === true) {
        preserved.push(key);
        continue;
      }
      overridden.push(key);
    }
    env[key] = value;
  }

  return { env, overridden, preserved, skipped };
}
