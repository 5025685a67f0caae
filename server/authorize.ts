import { methodNames, roleAllows, TEAM_ROLE_LABELS, type MethodName, type Result, type ReviewSession, type SessionInfo, type TeamRole } from '../contract';
import { METHOD_ACCESS } from '../core/method-access';
import { METHOD_ROLES } from '../core/method-roles';
import { attributedMethods, type Session } from './sessions';

/**
 * Every check a call meets before the engine sees it, in one place:
 * 1. team mode: the session's role must be at least the method's (core/method-roles.ts);
 * 2. team mode: a session opened with an invite acts only as that invite's reviewer;
 * 3. every browser mode: a call whose input names who does it (`reviewerId`) must come from a session
 *    signed in as that reviewer (who wrote a label is never taken on trust).
 * Whether each row a call touches belongs to that reviewer is checked by the service, in the call's
 * own transaction (a tag or step of another reviewer's label is refused there).
 */

export interface Refusal {
  status: number;
  result: Result<never>;
}

export interface Caller {
  /** `assay serve --team`. */
  team: boolean;
  /** Undefined: a script with the owner's Bearer token and no session yet. */
  session: Session | undefined;
}

/** A script with the token is the owner, like the browser that opened the token URL. */
export function roleOf(caller: Caller): TeamRole {
  return caller.session?.role ?? 'owner';
}

function refuse(status: number, code: 'reviewer_required' | 'wrong_reviewer' | 'forbidden_role', message: string): Refusal {
  return { status, result: { ok: false, error: { code, message } } };
}

/** What a method is for, in words, for a refusal ("changing the taxonomy"); the method name otherwise. */
function roleRefusal(method: MethodName, role: TeamRole): Refusal {
  const needed = METHOD_ROLES[method];
  const ask = needed === 'owner' ? 'Only the owner (who started this server) can do this.' : `Ask the owner (who started this server) for an invite as ${TEAM_ROLE_LABELS[needed]}.`;
  return refuse(403, 'forbidden_role', `${method} needs the ${TEAM_ROLE_LABELS[needed]} role; you are signed in as ${TEAM_ROLE_LABELS[role]}, so nothing was done. ${ask}`);
}

/** An invite's role by id, or null when there is none (the revoke then fails in the engine). */
export type InviteRoleLookup = (id: number) => TeamRole | null;

/**
 * Who may invite or revoke whom: the owner anyone; anyone else (an NLP engineer) only SMEs, so no
 * role can hand out or take away a role at or above its own.
 */
function maySetRole(role: TeamRole, target: TeamRole): boolean {
  return role === 'owner' || target === 'sme';
}

export function createAuthorizer(options: { inviteRole?: InviteRoleLookup } = {}) {
  /** Methods whose input names who does it (`reviewerId`), read from the contract once. */
  const attributed = attributedMethods();
  const forbiddenByRole = new Map<TeamRole, string[]>();

  function attributionRefusal(method: MethodName, input: unknown, session: Session | undefined): Refusal | null {
    const field = attributed.get(method);
    if (!field) return null;
    if (!session || session.reviewerId === null) {
      return refuse(401, 'reviewer_required', 'Choose who you are first: this browser is not signed in as a reviewer, so nothing was done.');
    }
    const named = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[field] : undefined;
    if (named === session.reviewerId) return null;
    const who = typeof named === 'number' || typeof named === 'string' ? `reviewer #${String(named).slice(0, 20)}` : 'no reviewer';
    return refuse(
      403,
      'wrong_reviewer',
      `This window is signed in as ${session.reviewerName}; the request names ${who}. Nothing was done (switched reviewer in another tab? Reload this one).`,
    );
  }

  return {
    /** Null when the call may go to the engine; otherwise the answer to send instead. */
    check(method: MethodName, input: unknown, caller: Caller): Refusal | null {
      const { session } = caller;
      if (!caller.team) {
        if (method.startsWith('team.')) {
          return refuse(403, 'forbidden_role', 'Invites and the audit log exist only in team mode: restart the server with `assay serve --team`.');
        }
        return attributionRefusal(method, input, session);
      }
      const role = roleOf(caller);
      if (!roleAllows(role, METHOD_ROLES[method])) return roleRefusal(method, role);
      if (method === 'team.invite' || method === 'team.revoke') {
        const body = (input ?? {}) as { role?: unknown; id?: unknown };
        const target = method === 'team.invite' ? body.role : typeof body.id === 'number' ? (options.inviteRole?.(body.id) ?? null) : null;
        if ((target === 'engineer' || target === 'owner') && !maySetRole(role, target)) {
          return refuse(
            403,
            'forbidden_role',
            `As ${TEAM_ROLE_LABELS[role]} you ${method === 'team.invite' ? 'invite' : 'revoke'} SMEs only; an invite as ${TEAM_ROLE_LABELS[target]} is the owner's to ${method === 'team.invite' ? 'make' : 'revoke'}, so nothing was done.`,
          );
        }
      }
      if (method === 'session.signIn' && session?.inviteId != null) {
        const named = (input as { reviewerId?: unknown } | null)?.reviewerId;
        if (named !== session.reviewerId) {
          return refuse(
            403,
            'wrong_reviewer',
            `This browser signed in with ${session.reviewerName}'s invite, so it acts only as ${session.reviewerName}. To review as someone else, open their invite link in another browser profile.`,
          );
        }
      }
      return attributionRefusal(method, input, session);
    },

    /**
     * An answer cut to what the caller may see, after the engine ran. Team mode, SME: review sessions
     * are only the ones they are assigned to (`sessions.list` leaves the others out, `sessions.get`
     * of another answers not_found, as if it did not exist). Engineers and the owner see every session.
     */
    narrow(method: MethodName, result: Result<unknown>, caller: Caller): Result<unknown> {
      if (!caller.team || !result.ok || roleOf(caller) !== 'sme') return result;
      const me = caller.session?.reviewerId ?? null;
      const mine = (s: ReviewSession) => me !== null && s.reviewers.some((r) => r.reviewerId === me);
      if (method === 'sessions.list') return { ok: true, value: (result.value as ReviewSession[]).filter(mine) };
      if (method === 'sessions.get' && !mine(result.value as ReviewSession)) {
        return { ok: false, error: { code: 'not_found', message: 'No such review session among the ones you are assigned to; ask the engineer who runs it to add you.' } };
      }
      return result;
    },

    /** What `session.get` answers over HTTP. */
    sessionInfo(caller: Caller): SessionInfo {
      const role = caller.team ? roleOf(caller) : 'owner';
      let forbidden = forbiddenByRole.get(role);
      if (!forbidden) forbiddenByRole.set(role, (forbidden = methodNames.filter((m) => !roleAllows(role, METHOD_ROLES[m]))));
      return {
        reviewerId: caller.session?.reviewerId ?? null,
        mode: caller.team ? 'team' : 'single',
        role,
        bound: caller.session?.inviteId != null,
        forbidden: caller.team ? forbidden : [],
      };
    },
  };
}

/** Writes (and reads that write a file) go in team mode's audit log. */
const AUDITED_READS = new Set<MethodName>(['workspace.backup', 'datasets.export']);
export function isAudited(method: MethodName): boolean {
  return METHOD_ACCESS[method] !== 'read' || AUDITED_READS.has(method);
}

/**
 * Who may receive an event on its /events stream. Null: every stream. Otherwise the event is about
 * one reviewer's label (`reviewerId`; null: labels of several reviewers at once), and it goes only
 * to that reviewer's own streams and to engineers and the owner. An SME is never told when, or on
 * what, another reviewer labels: a blind reviewer learns nothing from the stream, and 50 reviewers
 * saving cost 50 frames a save rather than 2,500.
 */
export interface EventAudience {
  reviewerId: number | null;
}

export function eventAudience(event: string, payload: unknown): EventAudience | undefined {
  const p = payload as { reviewerId?: unknown; reason?: unknown } | null;
  if (event === 'onDidChangeReview') return { reviewerId: typeof p?.reviewerId === 'number' ? p.reviewerId : null };
  if (event === 'onDidChangeComparisons' && p?.reason === 'label') return { reviewerId: typeof p.reviewerId === 'number' ? p.reviewerId : null };
  return undefined;
}

/** Whether a stream opened by this caller receives events of an audience (read when the frames go out). */
export function streamViewer(caller: Caller): (audience: EventAudience) => boolean {
  // Outside team mode everyone is the owner (one token): every stream gets every event, as before.
  if (!caller.team || roleOf(caller) !== 'sme') return () => true;
  const me = caller.session?.reviewerId ?? null;
  return (audience) => me !== null && audience.reviewerId === me;
}
