import { apiPath } from '../api-client.js';
import type { CliContext } from '../context.js';
import { writeJson, writeNote, writeTable, type JsonOption } from '../output.js';
import { resolveApp, type ScopeFlags } from '../scope.js';
import { connect, type ServerOption } from '../session.js';

type Options = ServerOption & JsonOption & ScopeFlags & { role?: string };

interface MemberView {
  email: string;
  role: string;
  createdAt?: string;
}

export async function grantMember(context: CliContext, email: string, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  const member = await client.put<MemberView>(apiPath('apps', app, 'members', email), { role: options.role });
  if (options.json === true) {
    writeJson(context.stdout, member);
  }
  writeNote(context.stderr, `Granted ${member.email} the role ${member.role} on app ${app}.`);
}

export async function listMembers(context: CliContext, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  const { members } = await client.get<{ members: MemberView[] }>(apiPath('apps', app, 'members'));
  if (options.json === true) {
    writeJson(context.stdout, { members });
    return;
  }
  writeTable(
    context,
    ['EMAIL', 'ROLE', 'SINCE'],
    members.map((member) => [member.email, member.role, member.createdAt]),
    `App ${app} has no members besides its owner. Grant a role with \`tresor members grant --app ${app} EMAIL --role viewer\`.`,
  );
}

export async function revokeMember(context: CliContext, email: string, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  await client.delete(apiPath('apps', app, 'members', email));
  writeNote(context.stderr, `Removed ${email} from app ${app}.`);
}
