import { randomUUID } from 'node:crypto';

import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';

import { generateToken, hashToken, tokenKind } from '../crypto/tokens.js';
import { alreadyExists, TresorError, validationError } from '../domain/errors.js';
import type { Database } from '../store/schema.js';
import type { AuditLog } from './audit-log.js';
import { LoginThrottle } from './login-throttle.js';
import { nowIso, type Actor, type RequestContext } from './context.js';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 12;
/** How long a sign-in lasts: a personal access token expires 30 days after `tresor login`. */
export const PERSONAL_TOKEN_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_PASSWORD_LENGTH = 1024;

/** A hash to verify against when the e-mail is unknown, so both cases take as long. */
let dummyPasswordHash: Promise<string> | null = null;

export interface UserView {
  id: string;
  email: string;
  createdAt: string;
}

export interface LoginResult {
  token: string;
  user: UserView;
}

export class UsersService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly throttle: LoginThrottle = new LoginThrottle(),
  ) {}

  /** Creates a person who can sign in; used by `tresor init` on the server's machine. */
  async createUser(context: RequestContext, email: string, password: string): Promise<UserView> {
    const normalizedEmail = normalizeEmail(email);
    assertPasswordAcceptable(password);

    const existing = await this.db.selectFrom('users').select('id').where('email', '=', normalizedEmail).executeTakeFirst();
    if (existing !== undefined) {
      throw alreadyExists(`A user with e-mail ${normalizedEmail} already exists. Sign in with \`tresor login\`.`);
    }

    const user = { id: randomUUID(), email: normalizedEmail, password_hash: await hash(password), created_at: nowIso() };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(user).execute();
      await this.audit.record(context, { action: 'user.create', allowed: true, target: normalizedEmail }, trx);
    });
    return { id: user.id, email: user.email, createdAt: user.created_at };
  }

  /** Checks a password and issues a personal access token for the CLI or the API. */
  async login(context: RequestContext, email: string, password: string, tokenName: string): Promise<LoginResult> {
    const normalizedEmail = normalizeEmail(email);
    this.throttle.assertAllowed(normalizedEmail, context.address);
    const user = await this.db.selectFrom('users').selectAll().where('email', '=', normalizedEmail).executeTakeFirst();

    dummyPasswordHash ??= hash('tresor-dummy-password-for-timing');
    const passwordHash = user?.password_hash ?? (await dummyPasswordHash);
    const valid = await verify(passwordHash, password).catch(() => false);
    if (user === undefined || !valid) {
      this.throttle.recordFailure(normalizedEmail, context.address);
      await this.audit.record(context, { action: 'user.login', allowed: false, target: normalizedEmail });
      throw new TresorError('UNAUTHENTICATED', 'Wrong e-mail or password.');
    }

    this.throttle.recordSuccess(normalizedEmail, context.address);
    const token = generateToken('personal');
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('user_tokens')
        .values({
          id: randomUUID(),
          user_id: user.id,
          kind: 'personal',
          name: tokenName,
          token_hash: hashToken(token),
          created_at: nowIso(),
          expires_at: new Date(Date.now() + PERSONAL_TOKEN_LIFETIME_MS).toISOString(),
          revoked_at: null,
        })
        .execute();
      await this.audit.record({ ...context, actor: { kind: 'user', userId: user.id, email: user.email, tokenId: null } }, { action: 'user.login', allowed: true, target: normalizedEmail }, trx);
    });
    return { token, user: { id: user.id, email: user.email, createdAt: user.created_at } };
  }

  /** Resolves a personal access token to its user, or returns null if it is unknown, expired or revoked. */
  async authenticate(token: string): Promise<Actor | null> {
    if (tokenKind(token) !== 'personal') {
      return null;
    }
    const row = await this.db
      .selectFrom('user_tokens')
      .innerJoin('users', 'users.id', 'user_tokens.user_id')
      .select(['user_tokens.id as tokenId', 'user_tokens.expires_at', 'user_tokens.revoked_at', 'users.id as userId', 'users.email'])
      .where('user_tokens.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (row === undefined || row.revoked_at !== null) {
      return null;
    }
    if (row.expires_at !== null && row.expires_at <= nowIso()) {
      return null;
    }
    return { kind: 'user', userId: row.userId, email: row.email, tokenId: row.tokenId };
  }

  async logout(context: RequestContext): Promise<void> {
    const { actor } = context;
    if (actor.kind !== 'user' || actor.tokenId === null) {
      return;
    }
    const tokenId = actor.tokenId;
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('user_tokens').set({ revoked_at: nowIso() }).where('id', '=', tokenId).execute();
      await this.audit.record(context, { action: 'user.logout', allowed: true, target: actor.email }, trx);
    });
  }

  async findByEmail(email: string): Promise<UserView | null> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return row === undefined ? null : { id: row.id, email: row.email, createdAt: row.created_at };
  }
}

export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(trimmed) || trimmed.length > 254) {
    throw validationError(`Invalid e-mail address ${JSON.stringify(email)}: use the form name@example.com.`);
  }
  return trimmed;
}

function assertPasswordAcceptable(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw validationError(`The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw validationError(`The password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
}
