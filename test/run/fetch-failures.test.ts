import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { freePort } from '../support/tresor-server.js';
import { randomServiceToken } from './helpers/http-server.js';
import { startTresorModules } from './helpers/tresor-modules.js';
import type { TresorModules } from './helpers/tresor-modules.js';
import { assertCliBuilt, runWrapper, wrapperEnvironment } from './helpers/wrapper-process.js';

describe.skipIf(!isTestDatabaseAvailable())('tresor run fetch failures', () => {
  let tresor: TresorModules;
  let directory: string;
  let marker: string;
  // Nothing listens here, so any request fails with ECONNREFUSED. A usage error without
  // ECONNREFUSED shows that `tresor run` stopped before sending anything.
  let closedUrl: string;

  // A command that proves it ran by creating the marker file.
  function markerCommand(): string[] {
    return ['--', process.execPath, '-e', 'require("node:fs").writeFileSync(process.argv[1], "ran")', marker];
  }

  beforeAll(async () => {
    assertCliBuilt();
    tresor = await startTresorModules();
  });

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tresor-run-fetch-'));
    marker = join(directory, 'child-ran');
    closedUrl = `http://127.0.0.1:${await freePort()}`;
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  afterAll(async () => {
    await tresor?.stop();
  });

  it('runs the command when delivery works', async () => {
    const served = await tresor.create({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: served.url, TRESOR_TOKEN: served.token }));

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(existsSync(marker)).toBe(true);
  });

  it('server down stops before the command', async () => {
    const served = await tresor.create({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: closedUrl, TRESOR_TOKEN: served.token }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${closedUrl}/api/v1/delivery`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('TRESOR_SERVER');
    expect(result.stderr).not.toContain(served.token);
    expect(result.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('revoked token stops before the command', async () => {
    const served = await tresor.create({ GREETING: 'hello' });
    const env = wrapperEnvironment({ TRESOR_SERVER: served.url, TRESOR_TOKEN: served.token });
    const beforeRevocation = await runWrapper(['--', 'true'], env);
    expect(beforeRevocation.code).toBe(0);

    await tresor.revokeToken(served);
    const result = await runWrapper(markerCommand(), env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('401 UNAUTHENTICATED');
    expect(result.stderr).toContain('the token is invalid or revoked');
    expect(result.stderr).toContain('tresor tokens create');
    expect(result.stderr).not.toContain(served.token);
    expect(result.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('server address with /api/v1 is explained', async () => {
    const served = await tresor.create({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: `${served.url}/api/v1`, TRESOR_TOKEN: served.token }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('404 NOT_FOUND');
    expect(result.stderr).toContain('without the trailing /api/v1');
    expect(existsSync(marker)).toBe(false);
  });

  it('unknown token stops before the command', async () => {
    const unknownToken = randomServiceToken();

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: tresor.url, TRESOR_TOKEN: unknownToken }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('401 UNAUTHENTICATED');
    expect(result.stderr).toContain('the token is invalid or revoked');
    expect(result.stderr).not.toContain(unknownToken);
    expect(result.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('missing TRESOR_TOKEN exits 1', async () => {
    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: closedUrl }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TRESOR_TOKEN is not set');
    expect(result.stderr).toContain('tresor tokens create');
    expect(result.stderr).not.toContain('ECONNREFUSED');
    expect(existsSync(marker)).toBe(false);
  });

  it('missing TRESOR_SERVER exits 1', async () => {
    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_TOKEN: randomServiceToken() }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TRESOR_SERVER is not set');
    expect(existsSync(marker)).toBe(false);
  });

  it('malformed TRESOR_TOKEN exits 1 unsent', async () => {
    const malformed = 'not-a-token\nx-injected: 1';

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_SERVER: closedUrl, TRESOR_TOKEN: malformed }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TRESOR_TOKEN does not contain a service token');
    expect(result.stderr).not.toContain('not-a-token');
    expect(result.stderr).not.toContain('ECONNREFUSED');
    expect(existsSync(marker)).toBe(false);
  });

  it('falls back to TRESOR_URL', async () => {
    const served = await tresor.create({ GREETING: 'hello' });

    const result = await runWrapper(markerCommand(), wrapperEnvironment({ TRESOR_URL: served.url, TRESOR_TOKEN: served.token }));

    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('missing command is a usage error', async () => {
    const result = await runWrapper(['--'], wrapperEnvironment({ TRESOR_SERVER: closedUrl, TRESOR_TOKEN: randomServiceToken() }));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Missing the command to run');
    expect(result.stderr).not.toContain('ECONNREFUSED');
  });
});
