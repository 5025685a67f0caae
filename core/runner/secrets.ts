/**
 * Encrypts API keys before they reach the workspace file. Electron supplies one backed by the OS
 * keychain (safeStorage); browser mode has none and reads keys from environment variables instead.
 */
export interface SecretStore {
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}
