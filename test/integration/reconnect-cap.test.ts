import { describe, expect, inject, it } from 'vitest';
import type { EngineStatus, ProfileSummary } from '../../common/contract.js';
import { createBackend } from '../../main/backend-node.js';
import { silentLogger } from '../../main/log.js';
import { startGate } from './gate.js';
import { uniqueApp, waitFor } from './harness.js';

/**
 * Two profiles on one console against the real Asterisk, one with its own
 * reconnect cap (`reconnectMaxMs`), one on the process default: while the
 * PBX is unreachable each retries on its own schedule, read from the
 * supervisor's record (when it said the next attempt is due), not timed.
 */
describe('a reconnect cap per profile', () => {
  it('each profile retries within its own cap while the PBX is unreachable, and both come back', async () => {
    const ari = inject('ari');
    const gate = await startGate(ari.baseUrl);
    const node = await createBackend({ log: silentLogger });
    const retries = new Map<string, number[]>();
    const stopListening = node.backend.subscribe((channel, payload) => {
      if (channel !== 'engine.status') return;
      const { profileId, supervisor } = payload as EngineStatus;
      if (supervisor.status === 'backoff') retries.set(profileId, [...(retries.get(profileId) ?? []), supervisor.nextRetryAt - Date.now()]);
    });
    const save = async (name: string, reconnectMaxMs?: number): Promise<ProfileSummary> => {
      const answer = await node.backend.dispatch('profiles.save', {
        name,
        baseUrl: gate.baseUrl,
        username: ari.username,
        password: ari.password,
        app: uniqueApp(),
        subscribeAll: false,
        ...(reconnectMaxMs === undefined ? {} : { reconnectMaxMs }),
      });
      if (!answer.ok) throw new Error(`profiles.save: ${answer.error.message}`);
      return answer.value as ProfileSummary;
    };
    const status = (id: string) => node.engines.get(id)?.status().supervisor;
    try {
      const eager = await save('Eager', 150);
      const patient = await save('Patient', 4000);
      expect([eager.reconnectMaxMs, patient.reconnectMaxMs]).toEqual([150, 4000]);
      for (const { id } of [eager, patient]) expect(await node.backend.dispatch('engine.connect', { profileId: id })).toMatchObject({ ok: true });
      await waitFor(() => status(eager.id)?.status === 'live' && status(patient.id)?.status === 'live', 30_000, 'both profiles live');

      await gate.close();
      // Until the patient one has been told to wait past the eager one's cap (its backoff grows to 0.4-0.8 s
      // by the fourth retry), and the eager one has backed off as many times: counts of attempts, not their
      // timing, which a busy machine stretches for both.
      const longest = (id: string) => Math.max(0, ...(retries.get(id) ?? []));
      await waitFor(() => longest(patient.id) > 150 && (retries.get(eager.id)?.length ?? 0) >= 4, 30_000, 'the patient profile to wait past 150 ms');
      const eagerDelays = retries.get(eager.id) ?? [];
      const patientDelays = retries.get(patient.id) ?? [];
      for (const delay of eagerDelays) expect(delay).toBeLessThanOrEqual(150);
      for (const delay of patientDelays) expect(delay).toBeLessThanOrEqual(4000);
      expect(Math.max(...patientDelays), 'the patient profile waited longer than the eager one may').toBeGreaterThan(150);

      await gate.open();
      await waitFor(() => status(eager.id)?.status === 'live' && status(patient.id)?.status === 'live', 30_000, 'both profiles live again');
    } finally {
      stopListening();
      await node.dispose();
      await gate.dispose();
    }
  });
});
