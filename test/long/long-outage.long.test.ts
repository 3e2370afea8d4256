import { describe, expect, inject, it } from 'vitest';
import { runOutage } from '../integration/outage.js';

/**
 * The PBX unreachable for ten minutes (LONG_OUTAGE_MS to change it) with calls
 * up and a bridge in use; the same scenario and assertions as the 60 s case in
 * test/integration/faults.test.ts, plus a command every minute that must still
 * settle in time, so a long outage cannot slowly wedge the engine.
 */
const downMs = Number(process.env['LONG_OUTAGE_MS'] ?? 10 * 60_000);

describe.runIf(inject('ari').sandbox)('a long outage', () => {
  it(`the PBX is unreachable for ${Math.round(downMs / 1000)} s, then the console is live and matches it`, async () => {
    const started = Date.now();
    const report = await runOutage({
      downMs,
      pbxBackBeforeEndMs: 20_000,
      requestTimeoutMs: 5000,
      probeEveryMs: 60_000,
      log: (line) => console.info(`[long-outage] ${line}`),
    });
    console.info(`[long-outage] done in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify({ ...report, commands: report.commands.length })}`);
    expect(report.probes).toBeGreaterThanOrEqual(Math.floor((downMs - 20_000) / 60_000) - 1);
  });
});
