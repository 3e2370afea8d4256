import { describe, expect, it } from 'vitest';
import { startTransfer, type StartTransfer, type TransferState } from '../../common/workflows/transfer.js';
import { activeTransfers, transferUnderWay } from '../../renderer/src/lib/calls/words.js';

const T0 = 1_800_000_000_000;

function started(id: string, kind: StartTransfer['kind'], callerId: string, operatorId: string | null = null): TransferState {
  return startTransfer({ id, kind, now: T0, caller: { id: callerId, label: callerId, up: true, bridge: null }, operatorId, target: { endpoint: 'PJSIP/102', label: '102' }, timeoutSec: 20 }).state;
}

describe('the transfer panel', () => {
  const consulting: TransferState = { ...started('a1', 'attended', 'bob', 'desk'), phase: 'consulting' };
  const connected: TransferState = { ...started('b1', 'blind', 'alice'), phase: 'connected' };
  const finished: TransferState = { ...started('b0', 'blind', 'carol'), phase: 'done' };

  it('lists the transfers under way above the connected ones, and not the finished', () => {
    expect(activeTransfers([connected, finished, consulting]).map((state) => state.id)).toEqual(['a1', 'b1']);
  });

  it('knows a call whose transfer is under way, whichever leg of it is selected', () => {
    for (const leg of ['bob', 'desk', consulting.targetId]) expect(transferUnderWay([connected, consulting], leg), leg).toBe(true);
    // Connected or finished, nothing is running any more.
    expect(transferUnderWay([connected, finished, consulting], 'alice')).toBe(false);
    expect(transferUnderWay([connected, finished, consulting], 'carol')).toBe(false);
  });
});
