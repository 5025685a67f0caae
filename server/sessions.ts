import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { ATTRIBUTION_FIELDS, methods, type MethodName } from '../contract';

/**
 * Browser mode's sessions: one per browser that logged in with the token (its id is the auth cookie),
 * each signed in as at most one reviewer. In memory: a restart asks for the token URL again.
 */
export interface Session {
  id: string;
  reviewerId: number | null;
  reviewerName: string | null;
}

/** Enough for every browser of a team; past it the oldest session is dropped (it logs in again). */
const MAX_SESSIONS = 1000;

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(): Session {
    const session: Session = { id: randomBytes(32).toString('hex'), reviewerId: null, reviewerName: null };
    this.byId.set(session.id, session);
    if (this.byId.size > MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Another workspace is served (its reviewer ids name other people): every session signs in again. */
  signOutAll(): void {
    for (const session of this.byId.values()) {
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
