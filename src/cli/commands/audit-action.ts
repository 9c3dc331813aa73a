import { apiPath } from '../api-client.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseWholeNumber } from '../numbers.js';
import { writeJson, writeTable, type JsonOption } from '../output.js';
import { resolveApp, type ScopeFlags } from '../scope.js';
import { connect, type ServerOption } from '../session.js';

// The largest page the audit route serves.
const MAX_LIMIT = 1000;

interface AuditEvent {
  id: string;
  createdAt: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  target: string | null;
  allowed: boolean;
  address: string | null;
}

export async function listAuditEvents(context: CliContext, options: ServerOption & JsonOption & ScopeFlags & { limit: string }): Promise<void> {
  const app = resolveApp(options, context.env);
  const limit = parseWholeNumber(options.limit, '--limit', 1);
  if (limit > MAX_LIMIT) {
    throw new UsageError(`Invalid --limit ${limit}: use a whole number from 1 to ${MAX_LIMIT}.`);
  }

  const client = await connect(context, options);
  const { events } = await client.get<{ events: AuditEvent[] }>(apiPath('apps', app, 'audit'), { limit });
  if (options.json === true) {
    writeJson(context.stdout, { events });
    return;
  }
  writeTable(
    context,
    ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'RESULT', 'ADDRESS'],
    events.map((event) => [
      event.createdAt,
      event.actorId === null ? event.actorKind : `${event.actorKind}:${event.actorId}`,
      event.action,
      event.target,
      event.allowed ? 'allowed' : 'denied',
      event.address,
    ]),
    `App ${app} has no audit events.`,
  );
}
