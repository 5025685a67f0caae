import type { WritableDB } from '../../db/handles';
import { cachedFileHash, storeFileHash } from '../../db/runner';
import type { Sha256Cache } from './llama/hash';

/**
 * Model-file hashes kept in the workspace (keyed by path, size and mtime), so a multi-gigabyte GGUF
 * is hashed once across sessions rather than on every load.
 */
export function workspaceSha256Cache(db: WritableDB): Sha256Cache {
  return {
    get: (key) => cachedFileHash(db, key.path, key.size, key.mtimeMs),
    set: (key, sha256) => storeFileHash(db, key.path, key.size, key.mtimeMs, sha256),
  };
}
