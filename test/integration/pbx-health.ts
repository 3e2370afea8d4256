// vitest setupFile for the projects that share the Asterisk sandbox (integration, e2e): before each
// test file, make sure the PBX not only answers REST but also lets an app open its events link.
// startAsterisk() does exactly that check for a running sandbox, and restarts it (loudly, by PID)
// when its Stasis app registry is wedged; see probeEvents in test/asterisk/sandbox.mjs. Without it,
// one wedge (an Asterisk 22.10 fault) failed every later file with "waiting for engine live".
import { beforeAll, inject } from 'vitest';
import { startAsterisk } from '../asterisk/sandbox.mjs';

beforeAll(async () => {
  if (inject('ari').sandbox) await startAsterisk();
}, 120_000);
