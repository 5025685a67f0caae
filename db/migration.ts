import type { WritableDB } from './handles';

export interface Migration {
  /** Becomes PRAGMA user_version once applied; one file per version, never edited after release. */
  readonly version: number;
  readonly name: string;
  up(db: WritableDB): void;
}
