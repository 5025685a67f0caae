import { createHash, randomBytes } from 'node:crypto';
import { AppError, type Invite, type MethodOutput, type ParsedInput, type TeamRole } from '../../contract';
import { getReviewer, insertReviewer, reviewerNamed } from '../../db/review';
import { getInvite, insertAudit, insertInvite, inviteBySecretHash, listAudit, listInvites, setInviteRevoked } from '../../db/team';
import type { Workspace } from '../workspace/workspace';

/** The stored form of an invite's secret: its sha256, hex. The secret itself is shown once and never kept. */
export function hashInviteSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Who made a call, for the audit log. */
export interface Actor {
  reviewerId: number | null;
  role: TeamRole;
}

/**
 * The ids a call names: its input's top-level `id`, `ids` and `…Id` / `…Ids` fields, and the `id` of
 * the row it returned (under `result`); for an invite (team.invite, team.revoke) also the invited
 * reviewer and the role. Only these, so an entry stays small whatever the input.
 */
export function auditIds(input: unknown, output: unknown): Record<string, unknown> {
  const ids: Record<string, unknown> = {};
  if (input !== null && typeof input === 'object') {
    for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
      if (!/^(id|ids|[a-z]+Ids?)$/.test(key)) continue;
      if (typeof value === 'number' || typeof value === 'string') ids[key] = value;
      else if (Array.isArray(value)) ids[key] = value.length > 20 ? [...value.slice(0, 20), `… ${value.length} in all`] : value;
    }
  }
  const out = output !== null && typeof output === 'object' ? (output as Record<string, unknown>) : {};
  if (typeof out.id === 'number') ids.result = out.id;
  // team.invite answers {invite, secret}; team.revoke the invite: the row names the invite and whom it is for
  // (never the secret), so "who invited whom, as what" reads from the log alone.
  const invite = out.invite !== null && typeof out.invite === 'object' ? (out.invite as Record<string, unknown>) : out;
  if (invite && typeof invite.id === 'number' && typeof invite.reviewerId === 'number' && typeof invite.role === 'string' && 'expiresAt' in invite) {
    ids.result = invite.id;
    if (!('reviewerId' in ids)) ids.reviewerId = invite.reviewerId;
    ids.role = invite.role;
  }
  return ids;
}

/**
 * Team mode's store: the `team.*` methods and what the server needs outside them (finding the
 * invite of a link, writing the audit log). Invites and the log live in the workspace file.
 */
export function teamService(workspace: Workspace, options: { onCommit?: () => void } = {}) {
  const { reader, writer } = workspace;
  const onCommit = options.onCommit ?? (() => undefined);

  const mustInvite = (id: number): Invite => {
    const invite = getInvite(writer, id, Date.now());
    if (!invite) throw new AppError('not_found', `No invite ${id}.`);
    return invite;
  };

  const handlers = {
    'team.invite': (input: ParsedInput<'team.invite'>): MethodOutput<'team.invite'> => {
      const secret = randomBytes(32).toString('base64url');
      const id = writer.transaction(() => {
        const now = Date.now();
        let reviewerId: number;
        if ('id' in input.reviewer) {
          const reviewer = getReviewer(writer, input.reviewer.id);
          if (!reviewer) throw new AppError('not_found', `No reviewer ${input.reviewer.id}; pick one from the list or invite a new reviewer by name.`);
          if (reviewer.kind === 'import') throw new AppError('invalid_input', `“${reviewer.name}” is a source of imported labels, not a person; invite a reviewer by name.`);
          reviewerId = reviewer.id;
        } else {
          const same = reviewerNamed(writer, input.reviewer.name);
          if (same?.kind === 'import') throw new AppError('conflict', `“${same.name}” names a source of imported labels; give the reviewer another name.`);
          // A person of that name is the one invited (a second invite, e.g. for another browser).
          reviewerId = same?.id ?? insertReviewer(writer, input.reviewer.name, input.role === 'sme' ? 'sme' : 'nlp', now);
        }
        return insertInvite(writer, { reviewerId, role: input.role, secretHash: hashInviteSecret(secret), expiresAt: now + input.expiresInHours * 3_600_000 }, now);
      })();
      onCommit();
      return { invite: mustInvite(id), secret };
    },
    'team.invites': (): MethodOutput<'team.invites'> => listInvites(reader, Date.now()),
    'team.revoke': (input: ParsedInput<'team.revoke'>): MethodOutput<'team.revoke'> => {
      mustInvite(input.id);
      setInviteRevoked(writer, input.id, Date.now());
      onCommit();
      return mustInvite(input.id);
    },
    'team.audit': (input: ParsedInput<'team.audit'>): MethodOutput<'team.audit'> => ({ entries: listAudit(reader, input.beforeId, input.limit) }),
  };

  return {
    handlers,
    /** An invite by id (any status), or null. */
    inviteById(id: number): Invite | null {
      return getInvite(reader, id, Date.now());
    },
    /** The invite a link's secret opens (any status, for the refusal to say why), or null. */
    inviteForSecret(secret: string): Invite | null {
      return inviteBySecretHash(reader, hashInviteSecret(secret), Date.now());
    },
    /** One row after a committed write: who, what, on which ids, when. */
    audit(actor: Actor, method: string, input: unknown, output: unknown): void {
      insertAudit(writer, { at: Date.now(), reviewerId: actor.reviewerId, role: actor.role, method, ids: JSON.stringify(auditIds(input, output)) });
      onCommit();
    },
  };
}

export type TeamStore = Omit<ReturnType<typeof teamService>, 'handlers'>;
