/**
 * The sha256 of a model file, for provenance. Hashing gigabytes takes seconds, so results are cached
 * by path, size and mtime: in memory by default, and through any `Sha256Cache` the app passes (for
 * instance one backed by the workspace database, so a file is hashed once across sessions).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FileHashKey {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface Sha256Cache {
  get(key: FileHashKey): string | null | undefined | Promise<string | null | undefined>;
  set(key: FileHashKey, sha256: string): void | Promise<void>;
}

const memory = new Map<string, string>();
const memoryKey = (key: FileHashKey) => `${key.path}\0${key.size}\0${Math.floor(key.mtimeMs)}`;

/** The process-wide in-memory cache; `entries()` lists what it holds so an app can persist it. */
export const memorySha256Cache: Sha256Cache & { entries(): Array<FileHashKey & { sha256: string }>; clear(): void } = {
  get: (key) => memory.get(memoryKey(key)) ?? null,
  set: (key, sha256) => {
    memory.set(memoryKey(key), sha256);
  },
  entries: () =>
    [...memory.entries()].map(([k, sha256]) => {
      const [p, size, mtimeMs] = k.split('\0');
      return { path: p!, size: Number(size), mtimeMs: Number(mtimeMs), sha256 };
    }),
  clear: () => memory.clear(),
};

// One hash at a time per file, however many callers ask at once.
const inFlight = new Map<string, Promise<string>>();

/**
 * The file's sha256 (hex). Looks in `cache` (and the in-memory cache) by absolute path, size and
 * mtime; a miss hashes the file in 4 MiB reads and stores the result in both.
 */
export async function fileSha256(file: string, cache: Sha256Cache = memorySha256Cache): Promise<string> {
  const absolute = path.resolve(file);
  const stat = await fs.promises.stat(absolute);
  const key: FileHashKey = { path: absolute, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
  const id = memoryKey(key);
  const known = memory.get(id) ?? (cache !== memorySha256Cache ? await cache.get(key) : null);
  if (known) {
    memory.set(id, known);
    return known;
  }
  let pending = inFlight.get(id);
  if (!pending) {
    pending = (async () => {
      const hash = createHash('sha256');
      for await (const chunk of fs.createReadStream(absolute, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
      return hash.digest('hex');
    })().finally(() => inFlight.delete(id));
    inFlight.set(id, pending);
  }
  const sha256 = await pending;
  memory.set(id, sha256);
  if (cache !== memorySha256Cache) await cache.set(key, sha256);
  return sha256;
}
