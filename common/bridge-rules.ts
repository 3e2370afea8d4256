import type { BridgeKind, BridgeView, CallModel, ChannelView } from './model/types.js';

/**
 * What may be dropped where on the bridge board, as pure predicates over the
 * call model (GitButler's DropzoneHandler: `accepts` is pure and tested, the
 * DOM glue is thin). Every refusal carries a sentence the receptionist reads
 * before anything is sent to the PBX; the board only ever changes when the
 * PBX's events say it did.
 */

/** A call being dragged: only its id travels; where it is comes from the model. */
export interface DragItem {
  readonly channelId: string;
}

export type DropTarget =
  | { readonly kind: 'bridge'; readonly bridgeId: string }
  /** A bridge the drop will create first, then add the call to. */
  | { readonly kind: 'new-bridge'; readonly type: 'mixing' | 'holding' }
  /** Out of whatever bridge the call is in. */
  | { readonly kind: 'out' };

export type DropAction =
  | { readonly type: 'add'; readonly channelId: string; readonly bridgeId: string }
  | { readonly type: 'move'; readonly channelId: string; readonly fromBridgeId: string; readonly bridgeId: string }
  | { readonly type: 'create-and-add'; readonly channelId: string; readonly bridgeType: 'mixing' | 'holding' }
  | { readonly type: 'remove'; readonly channelId: string; readonly bridgeId: string };

export type Verdict<T = DropAction> = { readonly ok: true; readonly action: T } | { readonly ok: false; readonly reason: string };

export interface RuleOptions {
  /** Set when nothing may be changed at all (a replayed recording), with why. */
  readonly readOnly?: string | null;
}

export const REASONS = {
  ended: 'This call has ended.',
  gone: 'This call is no longer on the PBX.',
  notInStasis: "This channel is not under the console's control.",
  notInBridge: 'This call is not in a bridge.',
  bridgeGone: 'That bridge no longer exists.',
  notOurs: 'That bridge is run by the dialplan, not by the console.',
  alreadyThere: 'This call is already in that bridge.',
  notAnswered: 'Answer this call before bridging it.',
  notAnsweredHolding: 'Answer this call before putting it in a holding bridge.',
  onHold: 'Take this call off hold before joining it to a conversation.',
} as const;

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Whether the console may control a bridge: its own Stasis bridges, or one whose class it has not learnt yet. */
export function isConsoleBridge(bridge: BridgeView): boolean {
  return bridge.bridgeClass === 'stasis' || bridge.bridgeClass === '';
}

/** Whether a call may be picked up at all (before any target is known). */
export function canDrag(channelId: string, model: CallModel, options: RuleOptions = {}): Verdict<ChannelView> {
  if (options.readOnly) return refuse(options.readOnly);
  const channel = model.channels.get(channelId);
  if (!channel) return refuse(model.ended.has(channelId) ? REASONS.ended : REASONS.gone);
  if (!channel.inStasis) return refuse(REASONS.notInStasis);
  return { ok: true, action: channel };
}

/** The conditions any bridge of `kind` puts on a call joining it. */
function joinable(channel: ChannelView, kind: BridgeKind): string | null {
  if (channel.state !== 'Up') return kind === 'holding' ? REASONS.notAnsweredHolding : REASONS.notAnswered;
  if (kind !== 'holding' && channel.onHold) return REASONS.onHold;
  return null;
}

export function canDrop(item: DragItem, target: DropTarget, model: CallModel, options: RuleOptions = {}): Verdict {
  const dragged = canDrag(item.channelId, model, options);
  if (!dragged.ok) return dragged;
  const channel = dragged.action;

  switch (target.kind) {
    case 'out':
      if (channel.bridgeId === null) return refuse(REASONS.notInBridge);
      return { ok: true, action: { type: 'remove', channelId: channel.id, bridgeId: channel.bridgeId } };
    case 'new-bridge': {
      const why = joinable(channel, target.type);
      if (why) return refuse(why);
      return { ok: true, action: { type: 'create-and-add', channelId: channel.id, bridgeType: target.type } };
    }
    case 'bridge': {
      const bridge = model.bridges.get(target.bridgeId);
      if (!bridge) return refuse(REASONS.bridgeGone);
      if (!isConsoleBridge(bridge)) return refuse(REASONS.notOurs);
      if (channel.bridgeId === bridge.id) return refuse(REASONS.alreadyThere);
      const why = joinable(channel, bridge.kind);
      if (why) return refuse(why);
      return channel.bridgeId === null
        ? { ok: true, action: { type: 'add', channelId: channel.id, bridgeId: bridge.id } }
        : { ok: true, action: { type: 'move', channelId: channel.id, fromBridgeId: channel.bridgeId, bridgeId: bridge.id } };
    }
  }
}

/** Destroying a bridge hangs nobody up: its members stay in the console's app, unbridged. */
export function canDestroyBridge(bridgeId: string, model: CallModel, options: RuleOptions = {}): Verdict<BridgeView> {
  if (options.readOnly) return refuse(options.readOnly);
  const bridge = model.bridges.get(bridgeId);
  if (!bridge) return refuse(REASONS.bridgeGone);
  if (!isConsoleBridge(bridge)) return refuse(REASONS.notOurs);
  return { ok: true, action: bridge };
}

/**
 * A drop target as the board's DOM glue uses it: `accepts` answers while the
 * pointer hovers (and refuses with a reason), `ondrop` performs the action
 * the rules chose, so a refused drop never reaches the PBX.
 */
export interface DropZone {
  readonly target: DropTarget;
  accepts(item: DragItem): Verdict;
  ondrop(item: DragItem): Promise<void>;
}

export function dropZone(
  target: DropTarget,
  context: () => { readonly model: CallModel; readonly options?: RuleOptions },
  perform: (action: DropAction) => Promise<void>,
): DropZone {
  const accepts = (item: DragItem): Verdict => {
    const { model, options } = context();
    return canDrop(item, target, model, options);
  };
  return {
    target,
    accepts,
    async ondrop(item) {
      const verdict = accepts(item);
      if (verdict.ok) await perform(verdict.action);
    },
  };
}

/** Where a call may go from here, in board order: used by the keyboard equivalent of dragging. */
export function dropTargets(model: CallModel): DropTarget[] {
  const bridges = [...model.bridges.values()].filter(isConsoleBridge).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return [
    ...bridges.map((bridge): DropTarget => ({ kind: 'bridge', bridgeId: bridge.id })),
    { kind: 'new-bridge', type: 'mixing' },
    { kind: 'new-bridge', type: 'holding' },
    { kind: 'out' },
  ];
}

export function sameTarget(a: DropTarget, b: DropTarget): boolean {
  if (a.kind === 'bridge' && b.kind === 'bridge') return a.bridgeId === b.bridgeId;
  if (a.kind === 'new-bridge' && b.kind === 'new-bridge') return a.type === b.type;
  return a.kind === b.kind;
}
