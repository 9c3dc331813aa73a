import { apiPath } from '../api-client.js';
import type { CliContext } from '../context.js';
import { writeJson, writeNote, writeTable, type JsonOption } from '../output.js';
import { resolveApp, type ScopeFlags } from '../scope.js';
import { connect, type ServerOption } from '../session.js';

type Options = ServerOption & JsonOption & ScopeFlags;

interface AppView {
  name: string;
  owner: string;
  role: string;
  createdAt: string;
}

interface NamedView {
  name: string;
  createdAt: string;
}

/** Environments and modules: both are named children of an app. */
export type AppChild = 'environment' | 'module';

const CHILD_ROUTES: Record<AppChild, { segment: string; listKey: 'environments' | 'modules'; command: string }> = {
  environment: { segment: 'environments', listKey: 'environments', command: 'envs' },
  module: { segment: 'modules', listKey: 'modules', command: 'modules' },
};

export async function createApp(context: CliContext, name: string, options: Options): Promise<void> {
  const client = await connect(context, options);
  const app = await client.post<AppView>(apiPath('apps'), { name });
  if (options.json === true) {
    writeJson(context.stdout, app);
  }
  writeNote(context.stderr, `Created app ${app.name}. Next: tresor envs create --app ${app.name} development`);
}

export async function listApps(context: CliContext, options: Options): Promise<void> {
  const client = await connect(context, options);
  const { apps } = await client.get<{ apps: AppView[] }>(apiPath('apps'));
  if (options.json === true) {
    writeJson(context.stdout, { apps });
    return;
  }
  writeTable(
    context,
    ['NAME', 'ROLE', 'OWNER', 'CREATED'],
    apps.map((app) => [app.name, app.role, app.owner, app.createdAt]),
    'No apps yet. Create one with `tresor apps create NAME`.',
  );
}

export async function createChild(context: CliContext, kind: AppChild, name: string, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  const created = await client.post<NamedView>(apiPath('apps', app, CHILD_ROUTES[kind].segment), { name });
  if (options.json === true) {
    writeJson(context.stdout, created);
  }
  writeNote(context.stderr, `Created ${kind} ${created.name} in app ${app}.`);
}

export async function listChildren(context: CliContext, kind: AppChild, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  const route = CHILD_ROUTES[kind];
  const body = await client.get<Record<string, NamedView[]>>(apiPath('apps', app, route.segment));
  const items = body[route.listKey] ?? [];
  if (options.json === true) {
    writeJson(context.stdout, { [route.listKey]: items });
    return;
  }
  writeTable(
    context,
    ['NAME', 'CREATED'],
    items.map((item) => [item.name, item.createdAt]),
    `App ${app} has no ${kind}s yet. Create one with \`tresor ${route.command} create --app ${app} NAME\`.`,
  );
}
