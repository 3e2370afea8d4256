import type { Logger } from '../log.js';
import type { WorkflowEngine } from './executor.js';

/** How long a leg given up on is watched for: past the longest originate timeout. */
const KEEP_MS = 10 * 60_000;

/**
 * Legs whose originate failed (a timeout above all) although the PBX may
 * still make them: hung up at once, and again whenever the PBX shows one,
 * since the originate may reach the PBX after our DELETE did. A DELETE of a
 * channel already gone counts as done.
 */
export class AbandonedLegs {
  /** Channel id → when it was given up on. */
  private readonly legs = new Map<string, number>();

  constructor(
    private readonly engine: () => WorkflowEngine,
    private readonly log: Logger,
  ) {}

  /** Watch for `channelId` from now on (the machine hangs it up itself). */
  watch(channelId: string, at = Date.now()): void {
    this.legs.set(channelId, at);
  }

  /** Watch for it and hang it up now. */
  async abandon(channelId: string): Promise<void> {
    this.watch(channelId);
    try {
      await this.engine().requireRest().hangup(channelId);
    } catch (error) {
      this.log.info('could not hang up a leg whose originate failed', { channelId, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** The PBX shows `channelId` (it entered the app, it was created): hangs it up if it was given up on. */
  async seen(channelId: string): Promise<boolean> {
    if (!this.legs.has(channelId)) return false;
    this.legs.delete(channelId);
    await this.abandon(channelId);
    return true;
  }

  /** It is destroyed: nothing left to watch for. */
  gone(channelId: string): void {
    this.legs.delete(channelId);
  }

  ids(): string[] {
    return [...this.legs.keys()];
  }

  expire(now: number): void {
    for (const [id, since] of this.legs) if (now - since > KEEP_MS) this.legs.delete(id);
  }
}
