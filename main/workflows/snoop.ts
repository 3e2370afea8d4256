import { ConsoleError } from '../../common/errors.js';
import type { SnoopMode, SnoopView } from '../../common/workflow-contract.js';
import type { SnoopDirection } from '../engine/ari-rest.js';
import type { WorkflowEngine } from './executor.js';

/**
 * Listen / whisper / barge through ARI snoop channels. A session is a snoop
 * channel on the call (spying both directions; whispering to the snooped
 * party, to both, or not at all), the receptionist's phone originated into
 * the app, and a mixing bridge joining the two once the phone answers. It
 * ends, and tidies all three, when any of them goes.
 */

const DIRECTIONS: Record<SnoopMode, { spy: SnoopDirection; whisper: SnoopDirection }> = {
  listen: { spy: 'both', whisper: 'none' },
  // 'out' is the audio sent to the snooped channel: only its party hears the receptionist.
  whisper: { spy: 'both', whisper: 'out' },
  barge: { spy: 'both', whisper: 'both' },
};

const RECENT_MAX = 10;

export class SnoopSessions {
  private sessions = new Map<string, SnoopView>();

  constructor(
    private readonly engine: () => WorkflowEngine,
    private readonly onError: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  list(): SnoopView[] {
    return [...this.sessions.values()].sort((a, b) => Number(a.status === 'ended') - Number(b.status === 'ended') || b.startedAt - a.startedAt);
  }

  async start(input: { id: string; channelId: string; channelLabel: string; mode: SnoopMode; endpoint: string; timeoutSec: number; at: number }): Promise<SnoopView> {
    const engine = this.engine();
    const rest = engine.requireRest();
    const view: SnoopView = {
      id: input.id,
      mode: input.mode,
      channelId: input.channelId,
      channelLabel: input.channelLabel,
      endpoint: input.endpoint,
      snoopChannelId: `${input.id}-s`,
      legId: `${input.id}-op`,
      bridgeId: `${input.id}-b`,
      status: 'ringing',
      startedAt: input.at,
      endedAt: null,
      reason: null,
    };
    const { spy, whisper } = DIRECTIONS[input.mode];
    this.sessions.set(view.id, view);
    try {
      await rest.snoop(input.channelId, { spy, whisper, app: engine.profile.app, appArgs: `snoop,${input.id}`, snoopId: view.snoopChannelId });
    } catch (error) {
      // A request that timed out may still have made the snoop channel: finish hangs up its id.
      await this.finish(view.id, 'could not listen to the call');
      throw error;
    }
    try {
      await rest.originate({
        endpoint: input.endpoint,
        app: engine.profile.app,
        appArgs: `snoop-phone,${input.id}`,
        timeout: input.timeoutSec,
        channelId: view.legId,
        callerId: `"${input.mode}: ${input.channelLabel}"`.slice(0, 80),
      });
    } catch (error) {
      await this.finish(view.id, `could not ring ${input.endpoint}`);
      throw error;
    }
    this.trim();
    return view;
  }

  /** The receptionist's phone answered: join it to the snoop channel. Returns whether anything changed. */
  async answered(channelId: string): Promise<boolean> {
    const late = [...this.sessions.values()].find((candidate) => candidate.status === 'ended' && (candidate.legId === channelId || candidate.snoopChannelId === channelId));
    if (late) {
      // A leg of a session that already ended (its request failed, yet the PBX made it): it has nobody to join.
      await this.tidy(late.id, [() => this.engine().requireRest().hangup(channelId)]);
      return false;
    }
    const session = [...this.sessions.values()].find((candidate) => candidate.legId === channelId && candidate.status === 'ringing');
    if (!session) return false;
    const engine = this.engine();
    const rest = engine.requireRest();
    try {
      const bridge = await rest.createBridge({ type: 'mixing', name: `${session.mode} ${session.channelLabel}`.slice(0, 100), bridgeId: session.bridgeId });
      engine.watch(`bridge:${bridge.id}`);
      engine.note({ type: 'ConsoleBridgeSeen', at: Date.now(), bridge });
      await rest.addChannel(session.bridgeId, session.snoopChannelId);
      await rest.addChannel(session.bridgeId, session.legId);
      this.sessions.set(session.id, { ...session, status: 'active' });
    } catch (error) {
      this.onError('could not connect a snoop session', { id: session.id, error });
      await this.finish(session.id, error instanceof ConsoleError ? error.message : 'could not connect');
    }
    return true;
  }

  /** A channel ended: any session it belonged to ends too. */
  async channelEnded(channelId: string): Promise<boolean> {
    let changed = false;
    for (const session of [...this.sessions.values()]) {
      if (session.status === 'ended') continue;
      const reason =
        channelId === session.channelId ? 'the call ended' : channelId === session.legId ? (session.status === 'ringing' ? 'your phone did not answer' : 'you hung up') : channelId === session.snoopChannelId ? 'the snoop channel ended' : null;
      if (reason) {
        await this.finish(session.id, reason);
        changed = true;
      }
    }
    return changed;
  }

  async stop(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session || session.status === 'ended') throw new ConsoleError('not_found', 'That listen/whisper/barge session has already ended.');
    await this.finish(id, 'stopped by the operator');
  }

  private async finish(id: string, reason: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session || session.status === 'ended') return;
    this.sessions.set(id, { ...session, status: 'ended', endedAt: Date.now(), reason });
    let rest;
    try {
      rest = this.engine().requireRest();
    } catch {
      return;
    }
    // Each may be gone already (that is why we are here): gone counts as done.
    await this.tidy(id, [() => rest.hangup(session.snoopChannelId), () => rest.hangup(session.legId), () => rest.destroyBridge(session.bridgeId)]);
  }

  private async tidy(id: string, steps: (() => Promise<void>)[]): Promise<void> {
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        this.onError('could not tidy a snoop session', { id, error });
      }
    }
  }

  private trim(): void {
    const ended = [...this.sessions.values()].filter((session) => session.status === 'ended').sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    for (const session of ended.slice(RECENT_MAX)) this.sessions.delete(session.id);
  }

  dispose(): void {
    this.sessions.clear();
  }
}
