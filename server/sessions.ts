import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { ATTRIBUTION_FIELDS, methods, type MethodName, type TeamRole } from '../contract';

/**
 * Browser mode's sessions: one per browser that logged in with the token or an invite link (its id
 * is the auth cookie), each signed in as at most one reviewer. In memory: a restart asks for the
 * token URL (or the invite link) again.
 */
export interface Session {
  id: string;
  reviewerId: number | null;
  reviewerName: string | null;
  /** Team mode: the owner (the token) or the invite's role. Outside team mode: owner, unread. */
  role: TeamRole;
  /** The invite this session was opened with: bound to its reviewer. Null: the owner's token. */
  inviteId: number | null;
  /** When the invite expires (the session ends with it); null: never. */
  expiresAt: number | null;
}

/** Why a cookie names no live session, so the refusal can say what to do. */
export type SessionEnd = 'revoked' | 'expired' | 'signed_out';

/** Enough for every browser of a team; past it the oldest session is dropped (it logs in again). */
const MAX_SESSIONS = 1000;

export class Sessions {
  private readonly byId = new Map<string, Session>();
  /** Sessions ended on purpose (revoked, expired), remembered for their refusal; bounded like sessions. */
  private readonly ended = new Map<string, SessionEnd>();

  create(fields: Partial<Omit<Session, 'id'>> = {}): Session {
    const session: Session = { reviewerId: null, reviewerName: null, role: 'owner', inviteId: null, expiresAt: null, ...fields, id: randomBytes(32).toString('hex') };
    this.byId.set(session.id, session);
    if (this.byId.size > MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    return session;
  }

  /** The live session of a cookie; one whose invite expired ends here. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.byId.get(id);
    if (session && session.expiresAt !== null && Date.now() >= session.expiresAt) {
      this.end(session.id, 'expired');
      return undefined;
    }
    return session;
  }

  /** Why this cookie's session is gone, if it was ended rather than never issued. */
  endedWhy(id: string | undefined): SessionEnd | undefined {
    return id === undefined ? undefined : this.ended.get(id);
  }

  /** Ends every session opened with this invite (it was revoked); returns their ids. */
  endInvite(inviteId: number): string[] {
    const ids = [...this.byId.values()].filter((s) => s.inviteId === inviteId).map((s) => s.id);
    for (const id of ids) this.end(id, 'revoked');
    return ids;
  }

  private end(id: string, why: SessionEnd): void {
    this.byId.delete(id);
    this.ended.set(id, why);
    if (this.ended.size > MAX_SESSIONS) this.ended.delete(this.ended.keys().next().value!);
  }

  /**
   * Another workspace is served (its reviewer ids name other people): every session signs in again,
   * and a session from an invite (of the other workspace) ends.
   */
  signOutAll(): void {
    for (const session of [...this.byId.values()]) {
      if (session.inviteId !== null) this.end(session.id, 'signed_out');
      session.reviewerId = null;
      session.reviewerName = null;
    }
  }
}

/** The top-level keys of an input schema, each with whether the input must carry it. */
function inputKeys(schema: z.ZodType, method: string): Map<string, boolean> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'default' || def.type === 'optional') return inputKeys(def.innerType as z.ZodType, method);
  if (def.type === 'union') {
    const keys = new Map<string, boolean>();
    for (const option of def.options as z.ZodType[]) for (const [key, required] of inputKeys(option, method)) keys.set(key, (keys.get(key) ?? false) || required);
    return keys;
  }
  if (def.type === 'object') {
    const shape = def.shape as Record<string, z.ZodType>;
    // A field the input may leave out parses `undefined`: a filter, not who did it.
    return new Map(Object.entries(shape).map(([key, field]) => [key, !field.safeParse(undefined).success]));
  }
  // Fail closed: a method whose input cannot be read here would otherwise escape the check.
  throw new Error(`server/sessions.ts cannot tell whether ${method}'s input (a ${def.type}) names a reviewer; teach inputKeys this kind of schema.`);
}

/**
 * The methods whose input says who is doing it, with that field (`reviewerId`): read from the
 * contract once, so a new method that takes a reviewer is checked without being listed anywhere.
 * The session methods are the way to sign in, so they are not among them.
 */
export function attributedMethods(): Map<MethodName, string> {
  const attributed = new Map<MethodName, string>();
  for (const [method, spec] of Object.entries(methods) as [MethodName, { input: z.ZodType }][]) {
    if (method.startsWith('session.')) continue;
    const keys = inputKeys(spec.input, method);
    const fields = ATTRIBUTION_FIELDS.filter((field) => keys.get(field) === true);
    if (fields.length > 1) throw new Error(`${method} names more than one attribution field.`);
    if (fields[0]) attributed.set(method, fields[0]);
  }
  return attributed;
}
