import { safeStorage } from 'electron';
import { memoryOnlyVault, type CredentialVault } from '../profiles.js';

/**
 * Passwords sealed by the OS keychain (DPAPI, Keychain, libsecret/kwallet).
 * On Linux without a keyring, Electron falls back to a hard-coded key
 * ("basic_text"), which is obfuscation, not encryption: we refuse it and keep
 * passwords in memory for the run instead, and say so in the log.
 */
export function createSafeStorageVault(log: (message: string) => void): CredentialVault {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (!safeStorage.isEncryptionAvailable() || backend === 'basic_text' || backend === 'unknown') {
    log(`OS credential encryption is unavailable (${backend}); passwords are kept in memory for this run only and must be re-entered after a restart.`);
    return memoryOnlyVault;
  }
  return {
    kind: 'os-keychain',
    canPersist: true,
    seal: (password) => safeStorage.encryptString(password).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
