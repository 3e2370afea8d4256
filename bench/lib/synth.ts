/**
 * PBX snapshots of any size, cloned from the real JSON the sandbox gave while
 * recording (channels from GET /channels mid-recording, bridges from the
 * recorded BridgeCreated events), for the resync bench and the future
 * 1,000-channel Chromium benches.
 */
import type { AriBridge, AriChannel } from '../../common/ari.js';
import { loadJson, loadRecording } from './fixture.js';
import type { Snapshot } from './replay-server.js';

interface Templates {
  channels: AriChannel[];
  bridge: AriBridge;
  base: Snapshot;
}

let templates: Templates | null = null;

function load(): Templates {
  if (templates) return templates;
  const mid = loadJson<Snapshot>('snapshot-mid.json');
  const created = loadRecording().find((frame) => frame.text.includes('"type":"BridgeCreated"'));
  if (!created) throw new Error('the recording has no BridgeCreated event');
  templates = {
    channels: mid.channels as AriChannel[],
    bridge: (JSON.parse(created.text) as { bridge: AriBridge }).bridge,
    base: mid,
  };
  return templates;
}

const STATES = ['Up', 'Up', 'Up', 'Ring', 'Ringing'];

/**
 * `channelCount` channels (ids `<prefix>c<n>`) and `bridgeCount` mixing
 * bridges (`<prefix>b<n>`) holding two channels each. `generation` varies
 * states and callers, so two generations differ the way a PBX does after a gap.
 */
export function synthSnapshot(
  channelCount: number,
  bridgeCount: number,
  options: { prefix?: string; generation?: number; firstChannel?: number; firstBridge?: number } = {},
): Snapshot {
  const { channels: shapes, bridge: bridgeShape, base } = load();
  const prefix = options.prefix ?? 's';
  const generation = options.generation ?? 0;
  const first = options.firstChannel ?? 0;
  const channels: AriChannel[] = [];
  for (let i = 0; i < channelCount; i++) {
    const n = first + i;
    const shape = shapes[n % shapes.length] as AriChannel;
    const changed = (n + generation) % 4 === 0;
    channels.push({
      ...shape,
      id: `${prefix}c${n}`,
      name: `${(shape.name ?? 'Local/x@y').replace(/-[0-9a-f]{8};/, `-${n.toString(16).padStart(8, '0')};`)}`,
      state: changed ? (STATES[(n + generation) % STATES.length] as string) : (shape.state ?? 'Up'),
      caller: { name: `Caller ${n}${changed ? ` g${generation}` : ''}`, number: String(2000 + n) },
      dialplan: { context: 'console-app', exten: 'console', priority: 2, app_name: 'Stasis', app_data: 'console' },
    });
  }
  const bridges: AriBridge[] = [];
  for (let i = 0; i < bridgeCount; i++) {
    const b = (options.firstBridge ?? 0) + i;
    const members = [2 * b, 2 * b + 1].map((n) => `${prefix}c${n % (first + channelCount)}`).filter((id) => Number(id.slice(prefix.length + 1)) >= first);
    bridges.push({ ...bridgeShape, id: `${prefix}b${b}`, name: `desk-${b}`, channels: members });
  }
  return { channels, bridges, endpoints: base.endpoints, deviceStates: base.deviceStates, info: base.info };
}
