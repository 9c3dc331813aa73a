/** The authenticated party behind a request. */
export type Actor =
  | { kind: 'user'; userId: string; email: string; tokenId: string | null }
  | { kind: 'service'; tokenId: string; appId: string; environmentId: string; moduleId: string }
  /** The local operator, on the machine that has the data directory (`tresor init`). */
  | { kind: 'system' };

export interface RequestContext {
  actor: Actor;
  /** The client's address, for audit events; null when there is no network peer. */
  address: string | null;
}

export function actorId(actor: Actor): string | null {
  switch (actor.kind) {
    case 'user':
      return actor.userId;
    case 'service':
      return actor.tokenId;
    case 'system':
      return null;
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
