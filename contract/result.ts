import { z } from 'zod';

/** Every failure that crosses a process is one of these codes; the message is written for the user. */
export const ErrorCode = z.enum([
  'invalid_input',
  'not_found',
  'conflict',
  'import_failed',
  'cancelled',
  /** Another program (an `assay import` in a terminal, Assay open twice) holds the workspace's write lock. */
  'busy',
  'unauthorized',
  /** Browser mode: this browser has not said which reviewer it is (`session.signIn`); nothing was done. */
  'reviewer_required',
  /** Browser mode: the input names another reviewer than the one this browser is signed in as; refused. */
  'wrong_reviewer',
  /** Team mode: the session's role may not call this method (the message names the role needed and who grants it). */
  'forbidden_role',
  'unknown_method',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const AppErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** Errors cross as values, never as thrown exceptions, so every transport carries them the same way. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** Thrown inside services; the dispatcher turns it into `{ ok: false, error }`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toShape(): AppErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
