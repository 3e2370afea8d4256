// @ts-check
// electron-builder configuration: `npm run dist` (this OS) or
// `npm run dist -- --linux|--win|--mac`. Resources live in build/ (icons are
// drawn by build/make-icons.mjs). test/unit/builder-config.test.ts checks that
// this file stays coherent, and packs the app for real against a stand-in
// Electron binary.
//
// Everything that differs between one organisation's builds and another's
// comes from the environment, never from this file:
//
//   signing        CSC_LINK + CSC_KEY_PASSWORD (macOS Developer ID .p12, or a
//                  Windows code-signing .pfx); WIN_CSC_LINK/WIN_CSC_KEY_PASSWORD
//                  to use another certificate for Windows. Unset: macOS builds
//                  are ad-hoc signed and Windows builds unsigned, and the build
//                  says so (see beforePack below and docs/INSTALL.md).
//   notarization   APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER, or
//                  APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID:
//                  electron-builder 26 notarizes by itself when one set is
//                  present and logs "skipped macOS notarization" otherwise.
//   update feed    ARI_CONSOLE_UPDATE_PROVIDER = github | generic | (unset: no
//                  feed, the in-app updater stays off), with
//                  ARI_CONSOLE_UPDATE_GITHUB = owner/repo (default: the
//                  repository building it, GITHUB_REPOSITORY) or
//                  ARI_CONSOLE_UPDATE_URL = https://… (a folder holding the
//                  latest*.yml files and installers).
//   deb metadata   ARI_CONSOLE_MAINTAINER ("Name <email>") and
//                  ARI_CONSOLE_HOMEPAGE; on GitHub Actions both default to the
//                  building repository.

const env = process.env;

/** The update feed baked into app-update.yml, or null for builds without updates. */
function publishConfig() {
  const provider = env.ARI_CONSOLE_UPDATE_PROVIDER;
  if (!provider) return null;
  if (provider === 'github') {
    const slug = env.ARI_CONSOLE_UPDATE_GITHUB || env.GITHUB_REPOSITORY || '';
    const [owner, repo, ...rest] = slug.split('/');
    if (!owner || !repo || rest.length > 0) {
      throw new Error(`ARI_CONSOLE_UPDATE_PROVIDER=github needs ARI_CONSOLE_UPDATE_GITHUB=owner/repo (got "${slug}").`);
    }
    return { provider: 'github', owner, repo, releaseType: 'release' };
  }
  if (provider === 'generic') {
    const url = env.ARI_CONSOLE_UPDATE_URL || '';
    // Installers are executed once downloaded: never fetch them over plain HTTP.
    if (!/^https:\/\/[^\s]+$/.test(url)) {
      throw new Error(`ARI_CONSOLE_UPDATE_PROVIDER=generic needs ARI_CONSOLE_UPDATE_URL=https://… (got "${url}").`);
    }
    return { provider: 'generic', url };
  }
  throw new Error(`ARI_CONSOLE_UPDATE_PROVIDER must be "github" or "generic", not "${provider}".`);
}

const githubRepo = env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}` : undefined;
const owner = env.GITHUB_REPOSITORY_OWNER;
const homepage = env.ARI_CONSOLE_HOMEPAGE || githubRepo;
// `.invalid` is reserved for addresses that go nowhere: honest for a local build.
const maintainer =
  env.ARI_CONSOLE_MAINTAINER || (owner ? `${owner} <${owner}@users.noreply.github.com>` : 'ARI Console maintainers <maintainers@ari-console.invalid>');

/** What signing this build will get, in words, per platform (printed before each pack). */
function signingNotice(platform) {
  const certificate = (platform === 'win32' && env.WIN_CSC_LINK) || env.CSC_LINK;
  if (platform === 'darwin') {
    const notarize = (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER) || (env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID);
    if (!certificate) return 'macOS: skipped Developer ID signing: no CSC_LINK; the app is ad-hoc signed and Gatekeeper will warn (docs/INSTALL.md).';
    if (!notarize) return 'macOS: signed with CSC_LINK; skipped notarization: no APPLE_API_KEY/APPLE_API_KEY_ID/APPLE_API_ISSUER nor APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID.';
    return 'macOS: signed with CSC_LINK and notarized.';
  }
  if (platform === 'win32') {
    return certificate
      ? 'Windows: signed with the certificate in WIN_CSC_LINK/CSC_LINK.'
      : 'Windows: skipped code signing: no CSC_LINK or WIN_CSC_LINK; SmartScreen will warn (docs/INSTALL.md).';
  }
  return 'Linux: AppImage and deb are not code-signed; publish SHA-256 sums next to them (the release workflow does).';
}

// The app's name in file names: no spaces (GitHub release assets turn a space
// into a dot, and the update feed would then point at a file that does not exist).
const artifactName = 'ari-console-${version}-${os}-${arch}.${ext}';

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'org.ariconsole.console',
  productName: 'ARI Console',
  copyright: 'Copyright © ARI Console contributors',
  directories: { buildResources: 'build', output: 'release' },
  extraMetadata: { ...(homepage ? { homepage } : {}) },

  // Only the electron-vite output of the three Electron targets and
  // package.json; electron-builder adds the production node_modules itself
  // (never devDependencies such as electron). The browser host is a second
  // entry point for plain Node, not for the app.
  files: ['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**', '!out/main/browser-host.js', '!**/*.map'],
  asar: true,
  // Nothing native among the production dependencies, so nothing to rebuild
  // against Electron's ABI (the builder-config test keeps it that way).
  npmRebuild: false,
  artifactName,

  // Burned into the Electron binary after packing, right before signing.
  electronFuses: {
    // The app binary must never double as a Node interpreter, take NODE_OPTIONS
    // or open a debugger port for whoever runs it.
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    // Load only the signed app.asar, and check it against the hash in the
    // bundle (macOS and Windows; Linux has no such check).
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    // The window loads app://console/ (main/shell/app-protocol.ts), not
    // file://, so file: pages need no privileges beyond a browser's.
    grantFileProtocolExtraPrivileges: false,
    // We ship no browser-process-specific V8 snapshot; turning this on without
    // one would stop the app from starting.
    loadBrowserProcessSpecificV8Snapshot: false,
  },

  beforePack: (context) => {
    console.log(`  • signing  ${signingNotice(context.electronPlatformName)}`);
  },

  publish: publishConfig(),

  mac: {
    // zip next to dmg: electron-updater installs macOS updates from the zip.
    target: [
      { target: 'dmg', arch: ['x64', 'arm64'] },
      { target: 'zip', arch: ['x64', 'arm64'] },
    ],
    icon: 'build/icon.icns',
    category: 'public.app-category.business',
    hardenedRuntime: true,
  },
  dmg: { artifactName },

  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
    icon: 'build/icon.ico',
  },
  nsis: {
    // An assisted installer: IT can pick per-machine and the folder.
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    artifactName,
  },

  linux: {
    target: [
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ],
    icon: 'build/icons',
    category: 'Network',
    executableName: 'ari-console',
    synopsis: 'Operator console for Asterisk PBX through ARI',
    maintainer,
    desktop: { entry: { Keywords: 'asterisk;pbx;ari;telephony;operator;receptionist;' } },
  },
};
