import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createServiceToken, startDeliveryServer } from './helpers/delivery-server.js';
import type { DeliveryServer } from './helpers/delivery-server.js';
import { assertWrapperBuilt, runWrapper, wrapperEnvironment } from './helpers/wrapper-process.js';

describe('tresor run fetch failures', () => {
  let directory: string;
  let marker: string;
  let server: DeliveryServer | undefined;

  // A command that proves it ran by creating the marker file.
  function markerCommand(): string[] {
    return ['--', process.execPath, '-e', 'require("node:fs").writeFileSync(process.argv[1], "ran")', marker];
  }

  beforeAll(() => {
    assertWrapperBuilt();
  });

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tresor-run-fetch-'));
    marker = join(directory, 'child-ran');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(directory, { recursive: true, force: true });
  });

  it('runs the command when delivery works', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: server.url, TRESOR_TOKEN: server.token }));

    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('server down stops before the command', async () => {
    const stopped = await startDeliveryServer({ GREETING: 'hello' });
    await stopped.close();

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: stopped.url, TRESOR_TOKEN: stopped.token }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${stopped.url}/api/v1/delivery`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('TRESOR_SERVER');
    expect(result.stderr).not.toContain(stopped.token);
    expect(result.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('rejected token stops before the command', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });
    const wrongToken = createServiceToken();

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: server.url, TRESOR_TOKEN: wrongToken }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('401');
    expect(result.stderr).toContain('invalid, expired or revoked');
    expect(result.stderr).toContain('tresor tokens create');
    expect(result.stderr).not.toContain(wrongToken);
    expect(result.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
    expect(server.requestPaths).toEqual(['/api/v1/delivery']);
  });

  it('missing TRESOR_TOKEN is a usage error', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: server.url }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRESOR_TOKEN is not set');
    expect(result.stderr).toContain('tresor tokens create');
    expect(existsSync(marker)).toBe(false);
    expect(server.requestPaths).toEqual([]);
  });

  it('missing TRESOR_SERVER is a usage error', async () => {
    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_TOKEN: createServiceToken() }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRESOR_SERVER is not set');
    expect(existsSync(marker)).toBe(false);
  });

  it('malformed TRESOR_TOKEN is not sent', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });
    const malformed = 'not-a-token\nx-injected: 1';

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: server.url, TRESOR_TOKEN: malformed }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRESOR_TOKEN does not contain a service token');
    expect(result.stderr).not.toContain('not-a-token');
    expect(server.requestPaths).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('falls back to TRESOR_URL', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_URL: server.url, TRESOR_TOKEN: server.token }));

    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('missing command is a usage error', async () => {
    server = await startDeliveryServer({ GREETING: 'hello' });

    const result = await runWrapper(['--'], wrapperEnvironment({ TRESOR_SERVER: server.url, TRESOR_TOKEN: server.token }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Missing the command to run');
    expect(server.requestPaths).toEqual([]);
  });
});
