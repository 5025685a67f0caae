import { cachedFileHash, storeFileHash } from '../../db/runner';
import type { Workspace } from '../workspace/workspace';
import type { Sha256Cache } from './llama/hash';

/**
 * Model-file hashes kept in the workspace (keyed by path, size and mtime), so a multi-gigabyte GGUF
 * is hashed once across sessions rather than on every load. While an import holds the write lock
 * the hash is not stored (it is only a cache: the next load hashes again) rather than wait for it.
 */
export function workspaceSha256Cache({ writer, writeGate }: Pick<Workspace, 'writer' | 'writeGate'>): Sha256Cache {
  return {
    get: (key) => cachedFileHash(writer, key.path, key.size, key.mtimeMs),
    set: (key, sha256) => {
      if (!writeGate.busy) storeFileHash(writer, key.path, key.size, key.mtimeMs, sha256);
    },
  };
}
