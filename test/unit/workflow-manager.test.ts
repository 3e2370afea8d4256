import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createModel } from '../../common/model/index.js';
import { DEFAULT_SETTINGS } from '../../common/settings.js';
import type { EngineManager } from '../../main/engine/manager.js';
import type { AriEngine } from '../../main/engine/engine.js';
import { silentLogger } from '../../main/log.js';
import { WorkflowManager } from '../../main/workflows/manager.js';

/**
 * Each profile's workflows run a tick timer (deadlines, park timeouts). A
 * removed profile, or one whose engine is gone, must not keep one running:
 * counted with fake timers, no PBX needed (no ARI request is made).
 */

const engineFor = (id: string) => ({ profile: { id, app: `app-${id}` }, currentModel: createModel({ app: `app-${id}` }) }) as unknown as AriEngine;

function fakeEngines(ids: string[]) {
  const engines = new Map(ids.map((id) => [id, engineFor(id)]));
  const manager = {
    get: (id: string) => engines.get(id),
    require: (id: string) => {
      const engine = engines.get(id);
      if (!engine) throw new Error(`not connected: ${id}`);
      return engine;
    },
  } as unknown as EngineManager;
  return { manager, drop: (id: string) => engines.delete(id) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the workflow manager', () => {
  it('disposes a removed profile: its tick timer stops and it is forgotten', () => {
    const { manager } = fakeEngines(['a', 'b']);
    const before = vi.getTimerCount();
    const workflows = new WorkflowManager({ engines: manager, settings: () => DEFAULT_SETTINGS, emit: () => undefined, log: silentLogger });
    workflows.for('a');
    workflows.for('b');
    expect(workflows.size).toBe(2);
    expect(vi.getTimerCount()).toBe(before + 2);
    workflows.forget('a');
    expect(workflows.size).toBe(1);
    expect(vi.getTimerCount()).toBe(before + 1);
    // A forgotten profile's view is the empty one, not a revived machine.
    expect(workflows.view('a').transfers).toEqual([]);
    expect(workflows.size).toBe(1);
    workflows.dispose();
    expect(vi.getTimerCount()).toBe(before);
  });

  it('lets go of a profile whose engine is gone (forgotten elsewhere) the next time it is asked anything', () => {
    const { manager, drop } = fakeEngines(['a', 'b']);
    const before = vi.getTimerCount();
    const workflows = new WorkflowManager({ engines: manager, settings: () => DEFAULT_SETTINGS, emit: () => undefined, log: silentLogger });
    workflows.for('a');
    workflows.for('b');
    drop('a');
    workflows.onBatch({ profileId: 'b', seq: 1, events: [] } as never);
    expect(workflows.size).toBe(1);
    expect(vi.getTimerCount()).toBe(before + 1);
    workflows.dispose();
    expect(workflows.size).toBe(0);
    expect(vi.getTimerCount()).toBe(before);
  });
});
