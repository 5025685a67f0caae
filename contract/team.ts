import { z } from 'zod';

/**
 * Team mode (`assay serve --team`): the owner who started the server invites reviewers, each invite
 * for one named reviewer with a role and an expiry. An invite's link (`/?invite=SECRET`) is traded
 * for a session bound to that reviewer; the secret is stored only as its sha256. Outside team mode
 * (Electron, plain `assay serve`) the one user may do everything and these methods are refused by the
 * server (Electron's engine answers them, but nothing can use an invite there).
 *
 * Roles, lowest first: sme (review, tag, think-aloud, correct, compare; reads), engineer (also
 * prompts, models, templates, jobs, taxonomy, rubric, guidelines, imports, exports), owner (also
 * invites, revoking, workspace settings). core/method-roles.ts gives every method its minimum role.
 */

const Id = z.number().int().min(1);

export const TeamRole = z.enum(['sme', 'engineer', 'owner']);
export type TeamRole = z.infer<typeof TeamRole>;

/** Lowest first: a role may do what every role before it may. */
export const TEAM_ROLE_ORDER: readonly TeamRole[] = ['sme', 'engineer', 'owner'];
export const TEAM_ROLE_LABELS: Record<TeamRole, string> = { sme: 'SME', engineer: 'NLP engineer', owner: 'owner' };

export function roleAllows(role: TeamRole, needed: TeamRole): boolean {
  return TEAM_ROLE_ORDER.indexOf(role) >= TEAM_ROLE_ORDER.indexOf(needed);
}

export const InviteStatus = z.enum(['active', 'expired', 'revoked']);
export type InviteStatus = z.infer<typeof InviteStatus>;

export const Invite = z.object({
  id: Id,
  reviewerId: Id,
  reviewerName: z.string(),
  role: TeamRole,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  status: InviteStatus,
  /** The last request made with this invite since the server started (null: none; the engine alone always says null). */
  lastUsedAt: z.number().int().nullable(),
});
export type Invite = z.infer<typeof Invite>;

export const AuditEntry = z.object({
  id: Id,
  at: z.number().int(),
  /** Null: a script with the owner's token that signed in as nobody. */
  reviewerId: Id.nullable(),
  reviewerName: z.string().nullable(),
  role: TeamRole,
  method: z.string(),
  /** The ids the call named (its input's id fields) and, under `result`, the id of the row it returned. */
  ids: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Longest an invite may live: 90 days. */
export const MAX_INVITE_HOURS = 24 * 90;

export const teamMethods = {
  /**
   * Invites a reviewer: an existing one by id, or a new one by name. Returns the invite and its
   * secret, shown once (only its hash is kept): the link is `<server URL>/?invite=<secret>`.
   */
  'team.invite': {
    input: z
      .object({
        reviewer: z.union([z.object({ id: Id }).strict(), z.object({ name: z.string().trim().min(1).max(200) }).strict()]),
        role: TeamRole,
        expiresInHours: z.number().int().min(1).max(MAX_INVITE_HOURS),
      })
      .strict(),
    output: z.object({ invite: Invite, secret: z.string() }),
  },
  /** Every invite, newest first, with its status now. */
  'team.invites': { input: z.object({}).strict().default({}), output: z.array(Invite) },
  /** Revokes an invite: its link stops working and the sessions opened with it end at once. */
  'team.revoke': { input: z.object({ id: Id }).strict(), output: Invite },
  /** The audit log of team mode's writes, newest first. */
  'team.audit': {
    input: z
      .object({ beforeId: Id.optional(), limit: z.number().int().min(1).max(500).default(100) })
      .strict()
      .default({ limit: 100 }),
    output: z.object({ entries: z.array(AuditEntry) }),
  },
} as const;
