import { OWNER_EMAIL, OWNER_PASSWORD } from './tresor-process.mjs';

/**
 * A minimal JSON client of the Tresor API for setting up benchmark data. Errors carry the
 * route, the status and the API's error code and message, never a request body.
 */
export class ApiClient {
  constructor(baseUrl, token = null) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  static async signIn(baseUrl) {
    const client = new ApiClient(baseUrl);
    const { token } = await client.request('POST', '/auth/login', { email: OWNER_EMAIL, password: OWNER_PASSWORD });
    client.token = token;
    return client;
  }

  async request(method, route, body) {
    const headers = {};
    if (this.token !== null) {
      headers.authorization = `Bearer ${this.token}`;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}/api/v1${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed = text.length > 0 ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = parsed?.error ?? {};
      throw new Error(`${method} ${route} failed with HTTP ${response.status}: ${error.code ?? 'no error code'}: ${error.message ?? 'no message'}`);
    }
    return parsed;
  }

  /**
   * Creates an app with one environment and one module, writes `secrets` into that module
   * and returns the scope's API path and a new service token for it.
   */
  async createScope({ app, environment, module, secrets }) {
    await this.request('POST', '/apps', { name: app });
    await this.request('POST', `/apps/${app}/environments`, { name: environment });
    await this.request('POST', `/apps/${app}/modules`, { name: module });
    const scopePath = `/apps/${app}/environments/${environment}/modules/${module}`;
    if (secrets.length > 0) {
      await this.request('POST', `${scopePath}/secrets`, { secrets });
    }
    const { token } = await this.request('POST', `${scopePath}/tokens`, { name: `${module}-bench` });
    return { scopePath, token };
  }
}
