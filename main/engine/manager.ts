import type { EngineStatus, EventBatch } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';
import type { Logger } from '../log.js';
import type { ProfileStore } from '../profiles.js';
import { AriEngine, type EngineOptions } from './engine.js';

export type EngineTuning = Omit<EngineOptions, 'profile' | 'onStatus' | 'onBatch' | 'log'>;

export interface EngineListener {
  status(status: EngineStatus): void;
  batch(batch: EventBatch): void;
}

/** One engine per connection profile, created on first connect. */
export class EngineManager {
  private readonly engines = new Map<string, AriEngine>();

  constructor(
    private readonly profiles: ProfileStore,
    private readonly listener: EngineListener,
    private readonly log: Logger,
    private readonly tuning: EngineTuning = {},
  ) {}

  connect(profileId: string): EngineStatus {
    const profile = this.profiles.resolve(profileId);
    let engine = this.engines.get(profileId);
    if (engine && !sameConnection(engine.profile, profile)) {
      // The profile was edited: the old link must not outlive its settings.
      engine.dispose();
      this.engines.delete(profileId);
      engine = undefined;
    }
    if (!engine) {
      engine = new AriEngine({
        ...this.tuning,
        profile,
        log: this.log,
        onStatus: (status) => this.listener.status(status),
        onBatch: (batch) => this.listener.batch(batch),
      });
      this.engines.set(profileId, engine);
    }
    engine.start();
    return engine.status();
  }

  disconnect(profileId: string): EngineStatus {
    const engine = this.require(profileId);
    engine.stop();
    return engine.status();
  }

  forget(profileId: string): void {
    this.engines.get(profileId)?.dispose();
    this.engines.delete(profileId);
  }

  get(profileId: string): AriEngine | undefined {
    return this.engines.get(profileId);
  }

  require(profileId: string): AriEngine {
    const engine = this.engines.get(profileId);
    if (!engine) {
      // Distinguish a typo from a profile that simply is not connected yet.
      this.profiles.resolve(profileId);
      throw new ConsoleError('not_connected', 'This profile is not connected; connect it first.');
    }
    return engine;
  }

  statuses(): EngineStatus[] {
    return [...this.engines.values()].map((engine) => engine.status());
  }

  dispose(): void {
    for (const engine of this.engines.values()) engine.dispose();
    this.engines.clear();
  }
}

function sameConnection(a: AriEngine['profile'], b: AriEngine['profile']): boolean {
  return a.baseUrl === b.baseUrl && a.username === b.username && a.password === b.password && a.app === b.app && a.subscribeAll === b.subscribeAll && a.caFile === b.caFile && a.reconnectMaxMs === b.reconnectMaxMs;
}
