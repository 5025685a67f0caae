import type Database from 'better-sqlite3';
import type { ReadableDB, WritableDB } from './handles';

/**
 * Statements prepared once per connection and kept: review and comparison queries run on every
 * keypress of a reviewer, and preparing SQL each time would dominate them.
 */
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement for `sql` on `db`, made once and reused (never `.pluck()`ed: shared). */
export function stmt(db: ReadableDB, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s;
}

export function one<T>(db: ReadableDB, sql: string, ...params: unknown[]): T | undefined {
  return stmt(db, sql).get(...params) as T | undefined;
}

export function all<T>(db: ReadableDB, sql: string, ...params: unknown[]): T[] {
  return stmt(db, sql).all(...params) as T[];
}

export function run(db: WritableDB, sql: string, ...params: unknown[]): Database.RunResult {
  return stmt(db, sql).run(...params);
}
