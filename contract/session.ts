import { z } from 'zod';
import { Reviewer } from './review';
import { TeamRole } from './team';

const Id = z.number().int().positive();

/**
 * What a session is. `mode` single: Electron or plain `assay serve`, one user who may do everything
 * (role owner). team: `assay serve --team`; `role` is the session's (the owner's token, or the
 * invite's), `bound` says it came from an invite and acts only as that reviewer, and `forbidden`
 * lists the methods the role may not call, so the UI hides or disables them.
 */
export const SessionInfo = z.object({
  reviewerId: Id.nullable(),
  mode: z.enum(['single', 'team']),
  role: TeamRole,
  bound: z.boolean(),
  forbidden: z.array(z.string()),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/**
 * Who is writing. In browser mode (`assay serve`) the server keeps a session per signed-in browser
 * and takes the reviewer of every call whose input names one (`reviewerId`) from it: a body naming
 * another reviewer is refused. The Electron shell is one local user over IPC and keeps no session:
 * the engine answers `session.signIn` by checking the reviewer exists and `session.get` with null.
 */
export const sessionMethods = {
  /** Binds this browser's session to an existing reviewer; returns that reviewer. */
  'session.signIn': { input: z.object({ reviewerId: Id }).strict(), output: Reviewer },
  /** The reviewer this browser's session is signed in as (null: none, and always null in Electron), and what it may do. */
  'session.get': { input: z.object({}).strict().default({}), output: SessionInfo },
} as const;

/**
 * Input fields that say who did something. A method whose input has one of these (required) must be
 * called, in browser mode, with the signed-in reviewer's id there. Optional fields of the same name
 * are filters (the leaderboard's reviewerId), not attribution.
 */
export const ATTRIBUTION_FIELDS = ['reviewerId'] as const;

/**
 * Browser mode: on a 401 that refused a write (the session ended under it: an invite revoked or
 * expired, a restarted server), the server names the method in this header, so the signed-out window
 * says a change was not saved only when one was actually refused.
 */
export const REFUSED_WRITE_HEADER = 'X-Assay-Refused-Write';
