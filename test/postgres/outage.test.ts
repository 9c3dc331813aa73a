import fs from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { api, loginOwner, type TresorServer } from '../support/tresor-server.js';
import { postgresInstalled } from './support/postgres-available.js';
import { createApp, randomRootKey, secretsPath, startInstances, tokensPath } from './support/instances.js';

const APP = 'shop';
const ENVIRONMENT = 'production';
const MODULE = 'api';
const WORKERS = 8;
const BATCH_KEYS = ['A', 'B', 'C'];

interface Sample {
  operation: string;
  status: number | 'network error';
  code: string | null;
  text: string;
  /** True when the request started after the database was back. */
  afterRestart: boolean;
}

describe.skipIf(!postgresInstalled)('PostgreSQL restart under load', () => {
  let cluster: PostgresCluster;
  let server: TresorServer;
  let token: string;
  let serviceToken: string;
  const path = secretsPath(APP, ENVIRONMENT, MODULE);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    [server] = (await startInstances(await cluster.createDatabase(), randomRootKey(), 1)) as [TresorServer];
    token = await loginOwner(server.url);
    await createApp(server.url, token, APP, [ENVIRONMENT], [MODULE]);
    expect((await api(server.url, token, 'PUT', `${path}/COUNTER`, { value: 'counter-start' })).status).toBe(200);
    serviceToken = (await api(server.url, token, 'POST', tokensPath(APP, ENVIRONMENT, MODULE), {})).body.token as string;
  });

  afterAll(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  test('requests fail cleanly and recover', { timeout: 90_000 }, async () => {
    const samples: Sample[] = [];
    const acknowledgedBatches = new Set<number>();
    const attemptedBatches = new Set<number>();
    const acknowledgedCounterVersions: number[] = [];
    let restarted = false;
    let stop = false;
    let next = 0;

    async function runOperation(index: number): Promise<void> {
      const afterRestart = restarted;
      const kind = index % 5;
      let operation: string;
      let request: ReturnType<typeof api>;
      if (kind === 0) {
        operation = `batch ${index}`;
        attemptedBatches.add(index);
        request = api(server.url, token, 'POST', path, { secrets: BATCH_KEYS.map((suffix) => ({ key: `BATCH_${index}_${suffix}`, value: `batch-${index}` })) });
      } else if (kind === 1) {
        operation = `counter ${index}`;
        request = api(server.url, token, 'PUT', `${path}/COUNTER`, { value: `counter-${index}` });
      } else if (kind === 2) {
        operation = 'list';
        request = api(server.url, token, 'GET', path);
      } else if (kind === 3) {
        operation = 'reveal';
        request = api(server.url, token, 'POST', `${path}/reveal`, { keys: ['COUNTER'] });
      } else {
        operation = 'delivery';
        request = api(server.url, serviceToken, 'GET', '/delivery');
      }

      let response: Awaited<typeof request>;
      try {
        response = await request;
      } catch (error) {
        samples.push({ operation, status: 'network error', code: null, text: String(error), afterRestart });
        return;
      }
      samples.push({ operation, status: response.status, code: response.body?.error?.code ?? null, text: response.text, afterRestart });
      if (response.status === 200 && kind === 0) {
        acknowledgedBatches.add(index);
      }
      if (response.status === 200 && kind === 1) {
        acknowledgedCounterVersions.push(response.body.changed[0].version);
      }
    }

    const loadStartedAt = Date.now();
    const workers = Array.from({ length: WORKERS }, async () => {
      while (!stop) {
        const index = next;
        next += 1;
        await runOperation(index);
      }
    });

    const successesAfterRestart = () => samples.filter((sample) => sample.afterRestart && sample.status === 200).length;
    try {
      await waitFor(server, () => samples.length >= 100);
      await cluster.restart();
      restarted = true;
      await waitFor(server, () => successesAfterRestart() >= 100);
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    const failures = samples.filter((sample) => sample.status !== 200);
    console.info(`${samples.length} requests during a PostgreSQL restart: ${failures.length} answered 503, ${successesAfterRestart()} succeeded after it`);

    // In flight during the outage: 503 DATABASE_UNAVAILABLE, never a 500 or a dropped connection.
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.status, `${failure.operation}: ${failure.text}`).toBe(503);
      expect(failure.code, failure.operation).toBe('DATABASE_UNAVAILABLE');
      expect(failure.text, failure.operation).not.toMatch(/\n\s+at |Connection terminated|ECONNREFUSED/);
    }
    expect(server.process.exitCode).toBeNull();
    const log = fs.readFileSync(server.logFile, 'utf8');
    expect(log).not.toContain('Unexpected error');
    // 503s are logged at most once a second, however many requests fail.
    const unavailableLines = log.split('\n').filter((line) => line.includes('"msg":"Database unavailable"')).length;
    expect(unavailableLines).toBeGreaterThan(0);
    expect(unavailableLines).toBeLessThanOrEqual(Math.ceil((Date.now() - loadStartedAt) / 1000) + 1);

    // The server reconnected by itself: the requests that started last all succeeded.
    const lastRequests = samples.filter((sample) => sample.afterRestart).slice(-50);
    expect(lastRequests.map((sample) => sample.status)).toEqual(lastRequests.map(() => 200));

    // Every batch is there completely or not at all, and every acknowledged batch is there.
    const list = await api(server.url, token, 'GET', path);
    const keys = new Set((list.body.secrets as Array<{ key: string }>).map((secret) => secret.key));
    for (const index of attemptedBatches) {
      const present = BATCH_KEYS.filter((suffix) => keys.has(`BATCH_${index}_${suffix}`)).length;
      if (acknowledgedBatches.has(index)) {
        expect(present, `batch ${index}`).toBe(BATCH_KEYS.length);
      } else {
        expect([0, BATCH_KEYS.length], `batch ${index}`).toContain(present);
      }
    }
    const revealed = await api(server.url, token, 'POST', `${path}/reveal`, { keys: [...keys].filter((key) => key.startsWith('BATCH_')) });
    for (const secret of revealed.body.secrets as Array<{ key: string; value: string }>) {
      expect(secret.value).toBe(`batch-${secret.key.split('_')[1]}`);
    }

    // Every acknowledged version of the counter is in its history, which has no gaps.
    const history = await api(server.url, token, 'GET', `${path}/COUNTER/versions`);
    const versions = (history.body.versions as Array<{ version: number }>).map((entry) => entry.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, position) => position + 1));
    for (const version of acknowledgedCounterVersions) {
      expect(versions).toContain(version);
    }
  });
});

/** Waits until `condition` holds; fails at once if the server process exits meanwhile. */
async function waitFor(server: TresorServer, condition: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (server.process.exitCode !== null) {
      throw new Error(`The server exited with code ${server.process.exitCode}; log:\n${fs.readFileSync(server.logFile, 'utf8').slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
