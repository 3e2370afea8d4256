import { safeStorage } from 'electron';
import { memoryOnlyVault, type CredentialVault } from '../profiles.js';

/**
 * Passwords sealed by the OS keychain (DPAPI, Keychain, libsecret/kwallet).
 * On Linux without a keyring, Electron falls back to a hard-coded key
 * ("basic_text"), which is obfuscation, not encryption: we refuse it, and a
 * save then asks the user whether to store the password unencrypted or keep
 * it for this run only (main/profiles.ts), saying why, and the log says so too.
 */
export function createSafeStorageVault(log: (message: string) => void): CredentialVault {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (!safeStorage.isEncryptionAvailable() || backend === 'basic_text' || backend === 'unknown') {
    log(`OS credential encryption is unavailable (${backend}); passwords are kept in memory for this run only unless you agree to store them unencrypted.`);
    const why =
      backend === 'basic_text' || backend === 'unknown'
        ? `no keyring service such as GNOME Keyring or KWallet is running (${backend})`
        : "the operating system's credential encryption is unavailable";
    return { ...memoryOnlyVault, unavailable: why };
  }
  return {
    kind: 'os-keychain',
    canPersist: true,
    seal: (password) => safeStorage.encryptString(password).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
