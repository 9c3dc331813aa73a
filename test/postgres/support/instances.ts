import { randomBytes } from 'node:crypto';

import { api, startTresorServer, type TresorServer } from '../../support/tresor-server.js';

/** Generates a root key as TRESOR_ROOT_KEY takes it: base64 of 32 random bytes. */
export function randomRootKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Starts `count` server processes on one database with one root key, as a deployment of
 * several instances behind a load balancer would run. The first creates the owner.
 */
export async function startInstances(databaseUrl: string, rootKey: string, count: number): Promise<TresorServer[]> {
  const instances: TresorServer[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      instances.push(await startTresorServer({ databaseUrl, createOwner: index === 0, env: { TRESOR_ROOT_KEY: rootKey } }));
    }
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw error;
  }
  return instances;
}

/** Creates an app with the given environments and modules through the API; throws on any failure. */
export async function createApp(url: string, token: string, app: string, environments: string[], modules: string[]): Promise<void> {
  await expectCreated(api(url, token, 'POST', '/apps', { name: app }), `app ${app}`);
  for (const environment of environments) {
    await expectCreated(api(url, token, 'POST', `/apps/${app}/environments`, { name: environment }), `environment ${environment}`);
  }
  for (const module of modules) {
    await expectCreated(api(url, token, 'POST', `/apps/${app}/modules`, { name: module }), `module ${module}`);
  }
}

/** Returns the API path of one module's secrets in one environment. */
export function secretsPath(app: string, environment: string, module: string): string {
  return `/apps/${app}/environments/${environment}/modules/${module}/secrets`;
}

/** Returns the API path that issues service tokens for one module in one environment. */
export function tokensPath(app: string, environment: string, module: string): string {
  return `/apps/${app}/environments/${environment}/modules/${module}/tokens`;
}

async function expectCreated(request: ReturnType<typeof api>, what: string): Promise<void> {
  const response = await request;
  if (response.status !== 201) {
    throw new Error(`Creating ${what} failed with ${response.status}: ${response.text}`);
  }
}
