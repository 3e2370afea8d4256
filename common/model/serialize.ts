import { EndedLog } from './ended-log.js';
import type { CallModel, SerializedModel } from './types.js';

/** Maps do not survive JSON; snapshots travel as arrays. */
export function serializeModel(model: CallModel): SerializedModel {
  return {
    config: model.config,
    channels: [...model.channels.values()],
    ended: [...model.ended.values()],
    bridges: [...model.bridges.values()],
    endpoints: [...model.endpoints.values()],
    deviceStates: [...model.deviceStates.entries()],
    linkLostAt: model.linkLostAt,
    eventsApplied: model.eventsApplied,
    eventsSkipped: model.eventsSkipped,
  };
}

export function hydrateModel(serialized: SerializedModel): CallModel {
  return {
    config: serialized.config,
    channels: new Map(serialized.channels.map((channel) => [channel.id, channel])),
    ended: EndedLog.from(new Map(serialized.ended.map((channel) => [channel.id, channel]))),
    bridges: new Map(serialized.bridges.map((bridge) => [bridge.id, bridge])),
    endpoints: new Map(serialized.endpoints.map((endpoint) => [endpoint.key, endpoint])),
    deviceStates: new Map(serialized.deviceStates),
    linkLostAt: serialized.linkLostAt,
    eventsApplied: serialized.eventsApplied,
    eventsSkipped: serialized.eventsSkipped,
  };
}
