import type { Component } from 'svelte';
import type { BridgeView, CallModel, ChannelView } from '../../../common/model/index.js';
import BridgeBoard from './BridgeBoard.svelte';
import ComparePanel from './ComparePanel.svelte';
import CallsPanel from './calls/CallsPanel.svelte';
import ParkPanel from './calls/ParkPanel.svelte';
import { PEOPLE_PANELS } from './people/panels.js';
import { parkSlotOf } from './describe.js';

/**
 * The tabbed area under the call list: the bridge board, the timeline
 * comparison, and any workflow panel another part of the console adds.
 * To mount a panel, append one entry here; the tab strip, the keyboard
 * (Alt+<digit> picks the n-th tab) and the help overlay read this list.
 * A panel gets the same props as every view, and reaches requests and UI
 * state through `getApp()` (app-context.ts).
 */

export interface PanelProps {
  /** The model on screen: live, or the replay's at its position. */
  readonly model: CallModel | null;
  readonly now: number;
  /** Set while nothing may be changed (a replay), with why. */
  readonly readOnly: string | null;
  /** The engine is live: requests can reach the PBX. */
  readonly connected: boolean;
  readonly selected: ChannelView | null;
  readonly profileId: string | null;
}

export interface PanelSpec {
  readonly id: string;
  /** The tab's label. */
  readonly label: string;
  readonly component: Component<PanelProps>;
  /** A count or word shown beside the label (e.g. how many bridges); null for none. */
  readonly badge?: (props: PanelProps) => string | null;
}

export const PANELS: readonly PanelSpec[] = [
  {
    id: 'bridges',
    label: 'Bridges',
    component: BridgeBoard,
    badge: ({ model }) => (model ? String(model.bridges.size) : null),
  },
  { id: 'compare', label: 'Compare', component: ComparePanel },
  // Receptionist workflows (calls/): dial pad, transfers, snoop; park slots (their bridges show on the board too).
  { id: 'calls', label: 'Dial & transfer', component: CallsPanel },
  {
    id: 'park',
    label: 'Park',
    component: ParkPanel,
    badge: ({ model }) => (model ? parkedBadge(model.bridges) : null),
  },
  // People, history and connections (people/): presence, phonebook, call history, the connection wizard.
  ...PEOPLE_PANELS,
];

/**
 * How many park slots hold a call, per bridges map: the badge is asked on
 * every batch, the bridges map is replaced only when a bridge changed.
 */
const parked = new WeakMap<ReadonlyMap<string, BridgeView>, string>();
function parkedBadge(bridges: ReadonlyMap<string, BridgeView>): string {
  let badge = parked.get(bridges);
  if (badge === undefined) {
    let count = 0;
    for (const bridge of bridges.values()) if (parkSlotOf(bridge.name) !== null && bridge.channelIds.length > 0) count += 1;
    badge = String(count);
    parked.set(bridges, badge);
  }
  return badge;
}

export function panelById(id: string): PanelSpec {
  return PANELS.find((panel) => panel.id === id) ?? PANELS[0]!;
}
