import { describe, expect, it } from 'vitest';
import { canDestroyBridge, canDrag, canDrop, dropTargets, dropZone, REASONS, sameTarget, type DropAction } from '../../common/bridge-rules.js';
import { bridge, channel, model, T0 } from './console-fixtures.js';

const READ_ONLY = 'Replaying a recording: nothing here reaches the PBX.';

describe('bridge board rules', () => {
  const up = channel('a');
  const up2 = channel('b');
  const ringing = channel('r', { state: 'Ring', answeredAt: null });
  const held = channel('h', { onHold: true });
  const dialplan = channel('d', { inStasis: false });
  const conference = bridge('conf', { channelIds: ['b'] });
  const holding = bridge('hold', { kind: 'holding', bridgeType: 'holding' });
  const foreign = bridge('dial', { bridgeClass: 'base', creator: 'Dial' });
  const inConference = { ...up2, bridgeId: 'conf' };
  const m = model([up, inConference, ringing, held, dialplan], [conference, holding, foreign], [channel('gone', { endedAt: T0 + 9000 })]);

  it('adds an answered call to a console bridge', () => {
    expect(canDrop({ channelId: 'a' }, { kind: 'bridge', bridgeId: 'conf' }, m)).toEqual({ ok: true, action: { type: 'add', channelId: 'a', bridgeId: 'conf' } });
  });

  it('moves a bridged call from one bridge to another', () => {
    expect(canDrop({ channelId: 'b' }, { kind: 'bridge', bridgeId: 'hold' }, m)).toEqual({
      ok: true,
      action: { type: 'move', channelId: 'b', fromBridgeId: 'conf', bridgeId: 'hold' },
    });
  });

  it('takes a bridged call out, and refuses to take out one that is in no bridge', () => {
    expect(canDrop({ channelId: 'b' }, { kind: 'out' }, m)).toEqual({ ok: true, action: { type: 'remove', channelId: 'b', bridgeId: 'conf' } });
    expect(canDrop({ channelId: 'a' }, { kind: 'out' }, m)).toEqual({ ok: false, reason: REASONS.notInBridge });
  });

  it('creates a bridge for a dropped call', () => {
    expect(canDrop({ channelId: 'a' }, { kind: 'new-bridge', type: 'holding' }, m)).toEqual({
      ok: true,
      action: { type: 'create-and-add', channelId: 'a', bridgeType: 'holding' },
    });
  });

  it.each([
    ['a ringing call', 'r', { kind: 'bridge', bridgeId: 'conf' } as const, REASONS.notAnswered],
    ['a ringing call into holding', 'r', { kind: 'new-bridge', type: 'holding' } as const, REASONS.notAnsweredHolding],
    ['a held call into a conversation', 'h', { kind: 'bridge', bridgeId: 'conf' } as const, REASONS.onHold],
    ['a dialplan call', 'd', { kind: 'bridge', bridgeId: 'conf' } as const, REASONS.notInStasis],
    ['an ended call', 'gone', { kind: 'bridge', bridgeId: 'conf' } as const, REASONS.ended],
    ['an unknown call', 'nobody', { kind: 'out' } as const, REASONS.gone],
    ['a call into its own bridge', 'b', { kind: 'bridge', bridgeId: 'conf' } as const, REASONS.alreadyThere],
    ['a call into a dialplan bridge', 'a', { kind: 'bridge', bridgeId: 'dial' } as const, REASONS.notOurs],
    ['a call into a vanished bridge', 'a', { kind: 'bridge', bridgeId: 'vanished' } as const, REASONS.bridgeGone],
  ])('refuses %s, with the reason', (_what, channelId, target, reason) => {
    expect(canDrop({ channelId }, target, m)).toEqual({ ok: false, reason });
  });

  it('lets a held call wait in a holding bridge', () => {
    expect(canDrop({ channelId: 'h' }, { kind: 'bridge', bridgeId: 'hold' }, m).ok).toBe(true);
  });

  it('refuses everything while replaying, with the replay reason', () => {
    expect(canDrag('a', m, { readOnly: READ_ONLY })).toEqual({ ok: false, reason: READ_ONLY });
    expect(canDrop({ channelId: 'a' }, { kind: 'bridge', bridgeId: 'conf' }, m, { readOnly: READ_ONLY })).toEqual({ ok: false, reason: READ_ONLY });
    expect(canDestroyBridge('conf', m, { readOnly: READ_ONLY })).toEqual({ ok: false, reason: READ_ONLY });
  });

  it('destroys only console bridges', () => {
    expect(canDestroyBridge('conf', m).ok).toBe(true);
    expect(canDestroyBridge('dial', m)).toEqual({ ok: false, reason: REASONS.notOurs });
    expect(canDestroyBridge('vanished', m)).toEqual({ ok: false, reason: REASONS.bridgeGone });
  });

  it('lists keyboard targets in board order: console bridges oldest first, then new ones, then out', () => {
    const later = bridge('later', { createdAt: T0 + 1 });
    const targets = dropTargets(model([up], [later, conference, foreign]));
    expect(targets).toEqual([
      { kind: 'bridge', bridgeId: 'conf' },
      { kind: 'bridge', bridgeId: 'later' },
      { kind: 'new-bridge', type: 'mixing' },
      { kind: 'new-bridge', type: 'holding' },
      { kind: 'out' },
    ]);
    expect(sameTarget(targets[0]!, { kind: 'bridge', bridgeId: 'conf' })).toBe(true);
    expect(sameTarget(targets[2]!, targets[3]!)).toBe(false);
  });

  it('a drop zone performs only what its rules accept', async () => {
    const performed: DropAction[] = [];
    const zone = dropZone({ kind: 'bridge', bridgeId: 'conf' }, () => ({ model: m }), async (action) => {
      performed.push(action);
    });
    await zone.ondrop({ channelId: 'r' });
    expect(performed).toEqual([]);
    expect(zone.accepts({ channelId: 'r' })).toEqual({ ok: false, reason: REASONS.notAnswered });
    await zone.ondrop({ channelId: 'a' });
    expect(performed).toEqual([{ type: 'add', channelId: 'a', bridgeId: 'conf' }]);
  });
});
