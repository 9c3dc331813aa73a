import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { api, loginOwner, type TresorServer } from '../support/tresor-server.js';
import { postgresInstalled } from './support/postgres-available.js';
import { createApp, randomRootKey, secretsPath, startInstances } from './support/instances.js';

const APP = 'shop';
const ENVIRONMENT = 'production';
const MODULES = ['api', 'worker', 'billing'];
const KEYS = ['DATABASE_URL', 'API_KEY', 'SIGNING_SECRET', 'SMTP_PASSWORD'];
const CLIENTS = 20;
const WRITES = 1000;

/** One write the server acknowledged with 200, as the response reported it. */
interface Acknowledged {
  module: string;
  key: string;
  value: string;
  version: number;
  revision: number;
}

interface Outcomes {
  acknowledged: Acknowledged[];
  /** Compare-and-set writes the server rejected with 409. */
  conflicts: number;
  /** Responses other than 200, except 409 to a compare-and-set write. */
  unexpected: string[];
}

type Plan = { kind: 'put' | 'compare-and-set'; module: string; key: string } | { kind: 'batch'; module: string; keys: [string, string] };

/** Spreads the writes over modules and keys so that clients keep colliding on the same rows. */
function planWrite(index: number): Plan {
  const module = MODULES[index % MODULES.length] as string;
  const key = KEYS[Math.floor(index / MODULES.length) % KEYS.length] as string;
  if (index % 7 === 3) {
    const other = KEYS[(KEYS.indexOf(key) + 1) % KEYS.length] as string;
    return { kind: 'batch', module, keys: [key, other] };
  }
  return { kind: index % 4 === 1 ? 'compare-and-set' : 'put', module, key };
}

describe.skipIf(!postgresInstalled)('concurrent writes through two instances', () => {
  let cluster: PostgresCluster;
  let instances: TresorServer[];
  let tokens: string[];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    instances = await startInstances(await cluster.createDatabase(), randomRootKey(), 2);
    tokens = await Promise.all(instances.map((instance) => loginOwner(instance.url)));
    await createApp(instances[0]!.url, tokens[0]!, APP, [ENVIRONMENT], MODULES);
  });

  afterAll(async () => {
    await Promise.all((instances ?? []).map((instance) => instance.stop()));
    await cluster?.stop();
  });

  async function runWrite(index: number, outcomes: Outcomes): Promise<void> {
    const plan = planWrite(index);
    const writer = index % 2;
    const url = instances[writer]!.url;
    const token = tokens[writer]!;
    const path = secretsPath(APP, ENVIRONMENT, plan.module);

    if (plan.kind === 'batch') {
      const values = plan.keys.map((key) => `${key}-write-${index}`);
      const response = await api(url, token, 'POST', path, { secrets: plan.keys.map((key, position) => ({ key, value: values[position] })) });
      if (response.status !== 200) {
        outcomes.unexpected.push(`batch write ${index}: ${response.status} ${response.text}`);
        return;
      }
      for (const change of response.body.changed as Array<{ key: string; version: number }>) {
        const value = values[plan.keys.indexOf(change.key)] as string;
        outcomes.acknowledged.push({ module: plan.module, key: change.key, value, version: change.version, revision: response.body.revision });
      }
      return;
    }

    const value = `${plan.key}-write-${index}`;
    let body: { value: string; ifVersion?: number } = { value };
    if (plan.kind === 'compare-and-set') {
      // Read through the other instance, so the version may be stale by the time of the write.
      const list = await api(instances[1 - writer]!.url, tokens[1 - writer]!, 'GET', path);
      const current = (list.body.secrets as Array<{ key: string; version: number }>).find((secret) => secret.key === plan.key);
      body = { value, ifVersion: current?.version ?? 0 };
    }
    const response = await api(url, token, 'PUT', `${path}/${plan.key}`, body);
    if (response.status === 409 && plan.kind === 'compare-and-set' && response.body.error.code === 'CONFLICT') {
      outcomes.conflicts += 1;
      return;
    }
    if (response.status !== 200) {
      outcomes.unexpected.push(`${plan.kind} write ${index}: ${response.status} ${response.text}`);
      return;
    }
    outcomes.acknowledged.push({ module: plan.module, key: plan.key, value, version: response.body.changed[0].version, revision: response.body.revision });
  }

  test('every acknowledged write is kept', { timeout: 120_000 }, async () => {
    const outcomes: Outcomes = { acknowledged: [], conflicts: 0, unexpected: [] };
    let next = 0;
    const startedAt = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < WRITES) {
          const index = next;
          next += 1;
          await runWrite(index, outcomes);
        }
      }),
    );
    const elapsedMs = Date.now() - startedAt;
    console.info(`${WRITES} writes from ${CLIENTS} clients through 2 instances took ${elapsedMs} ms: ${outcomes.acknowledged.length} versions acknowledged, ${outcomes.conflicts} compare-and-set conflicts`);

    expect(outcomes.unexpected).toEqual([]);
    expect(outcomes.conflicts).toBeGreaterThan(0);

    for (const module of MODULES) {
      const path = secretsPath(APP, ENVIRONMENT, module);
      const forModule = outcomes.acknowledged.filter((write) => write.module === module);
      const list = await api(instances[0]!.url, tokens[0]!, 'GET', path);
      const reveal = await api(instances[1]!.url, tokens[1]!, 'POST', `${path}/reveal`, {});
      const revealed = new Map((reveal.body.secrets as Array<{ key: string; value: string; version: number }>).map((secret) => [secret.key, secret]));

      // Each acknowledged request moved the module by exactly one revision, in order.
      const revisions = [...new Set(forModule.map((write) => write.revision))].sort((a, b) => a - b);
      expect(revisions, module).toEqual(Array.from({ length: revisions.length }, (_, position) => position + 1));
      expect(list.body.revision, module).toBe(revisions.length);

      for (const key of KEYS) {
        const forKey = forModule.filter((write) => write.key === key).sort((a, b) => a.version - b.version);
        const history = await api(instances[0]!.url, tokens[0]!, 'GET', `${path}/${key}/versions`);
        const historyVersions = (history.body.versions as Array<{ version: number; deleted: boolean }>).map((entry) => entry.version).sort((a, b) => a - b);

        expect(historyVersions, `${module}/${key}`).toEqual(forKey.map((write) => write.version));
        expect(historyVersions, `${module}/${key}`).toEqual(Array.from({ length: forKey.length }, (_, position) => position + 1));
        const revisionsByVersion = forKey.map((write) => write.revision);
        expect(revisionsByVersion, `${module}/${key}`).toEqual([...revisionsByVersion].sort((a, b) => a - b));
        expect(new Set(revisionsByVersion).size, `${module}/${key}`).toBe(revisionsByVersion.length);
        expect(revealed.get(key)?.value, `${module}/${key}`).toBe(forKey.at(-1)?.value);
        expect(revealed.get(key)?.version, `${module}/${key}`).toBe(forKey.length);
      }
    }
  });
});
