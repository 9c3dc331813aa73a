import { api, loginOwner, startTresorServer } from '../../support/tresor-server.js';

/** A module of its own for one test: its secrets are written and a service token is issued. */
export interface ServedModule {
  /** The server's base URL, the value for TRESOR_SERVER. */
  url: string;
  /** The module's service token, the value for TRESOR_TOKEN. */
  token: string;
  tokenId: string;
  app: string;
  environment: string;
  module: string;
  /** The revision of the module's secrets after the write, which a delivery reports. */
  revision: number;
}

/** A real Tresor server, signed in as its owner, that creates modules with secrets. */
export interface TresorModules {
  url: string;
  /**
   * Creates an app with one environment and one module, writes the secrets there (at least
   * one, as the API requires) and issues a service token.
   */
  create(secrets: Record<string, string>): Promise<ServedModule>;
  /** Revokes the module's service token through the API. */
  revokeToken(served: ServedModule): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `tresor server` with a fresh database of the dialect under test. Start one per test
 * file in `beforeAll`: every `create` makes a new app, so tests never share secrets.
 */
export async function startTresorModules(): Promise<TresorModules> {
  const server = await startTresorServer();
  let ownerToken: string;
  try {
    ownerToken = await loginOwner(server.url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  let appCount = 0;

  // Sends one API request as the owner and throws unless it succeeded.
  async function send<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await api(server.url, ownerToken, method, route, body);
    if (response.status >= 300) {
      throw new Error(`${method} ${route} failed with ${response.status}: ${response.text}`);
    }
    return response.body as T;
  }

  async function create(secrets: Record<string, string>): Promise<ServedModule> {
    appCount += 1;
    const app = `run-${appCount}`;
    const environment = 'production';
    const module = 'api';
    await send<unknown>('POST', '/apps', { name: app });
    await send<unknown>('POST', `/apps/${app}/environments`, { name: environment });
    await send<unknown>('POST', `/apps/${app}/modules`, { name: module });

    const scope = `/apps/${app}/environments/${environment}/modules/${module}`;
    const entries = Object.entries(secrets).map(([key, value]) => ({ key, value }));
    const written = await send<{ revision: number }>('POST', `${scope}/secrets`, { secrets: entries });
    const issued = await send<{ token: string; tokenInfo: { id: string } }>('POST', `${scope}/tokens`, {});

    return {
      url: server.url,
      token: issued.token,
      tokenId: issued.tokenInfo.id,
      app,
      environment,
      module,
      revision: written.revision,
    };
  }

  return {
    url: server.url,
    create,
    revokeToken: async (served) => {
      await send<unknown>('DELETE', `/apps/${served.app}/tokens/${served.tokenId}`);
    },
    stop: () => server.stop(),
  };
}
