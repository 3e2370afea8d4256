import type { ConsoleClient } from '../../../common/client.js';
import type { DropAction } from '../../../common/bridge-rules.js';
import type { RawEventEntry, RecordingStatus } from '../../../common/recording.js';
import type { CallModel, ChannelView } from '../../../common/model/index.js';
import { callName } from './call-list.js';
import type { ControlState } from './controls.js';
import { bridgeTitle, describeFailure } from './describe.js';
import type { UiController } from './ui-store.js';

/**
 * Every request the views send, through the typed client. Nothing here
 * changes what the views show about the PBX: that changes when the PBX's
 * events arrive. A failure becomes one plain sentence in the notice area.
 */
export interface Actions {
  control(control: ControlState, channel: ChannelView): Promise<void>;
  sendDtmf(channel: ChannelView, digits: string): Promise<boolean>;
  play(channel: ChannelView, media: string): Promise<boolean>;
  drop(action: DropAction, model: CallModel): Promise<void>;
  createBridge(type: 'mixing' | 'holding'): Promise<string | null>;
  destroyBridge(bridgeId: string, label: string): Promise<void>;
  rawEvents(channelId: string): Promise<RawEventEntry[]>;
  startRecording(): Promise<RecordingStatus | null>;
  stopRecording(): Promise<RecordingStatus | null>;
  recordingStatus(): Promise<RecordingStatus | null>;
}

export function createActions(client: ConsoleClient, ui: UiController, profileId: () => string | null): Actions {
  const profile = (): string => {
    const id = profileId();
    if (id === null) throw new Error('no profile');
    return id;
  };

  /** Runs one request; on failure says why and answers null. */
  async function attempt<T>(key: string, what: string, run: (profileId: string) => Promise<T>): Promise<T | null> {
    try {
      return await ui.track(key, () => run(profile()));
    } catch (error) {
      ui.notify('error', describeFailure(what, error));
      return null;
    }
  }

  let bridgeCount = 0;
  const nextBridgeName = (type: 'mixing' | 'holding') => {
    bridgeCount += 1;
    return type === 'mixing' ? `Conference ${bridgeCount}` : `Holding ${bridgeCount}`;
  };

  return {
    async control(control, channel) {
      const command = control.command;
      if (!command || !control.enabled) return;
      const target = { channelId: channel.id };
      const what = `${control.verb} ${callName(channel)}`;
      await attempt(`${command}:${channel.id}`, what, (profileId) => {
        switch (command) {
          case 'call.mute':
          case 'call.unmute':
            return client.request(command, { profileId, ...target, direction: 'both' });
          default:
            return client.request(command, { profileId, ...target });
        }
      });
    },
    async sendDtmf(channel, digits) {
      const done = await attempt(`dtmf:${channel.id}`, `send tones to ${callName(channel)}`, (profileId) =>
        client.request('call.sendDtmf', { profileId, channelId: channel.id, dtmf: digits }),
      );
      return done !== null;
    },
    async play(channel, media) {
      const done = await attempt(`play:${channel.id}`, `play ${media} to ${callName(channel)}`, (profileId) =>
        client.request('call.play', { profileId, channelId: channel.id, media }),
      );
      return done !== null;
    },
    async drop(action, model) {
      const channel = model.channels.get(action.channelId);
      const who = channel ? callName(channel) : 'the call';
      const bridgeName = (id: string) => bridgeTitle(model.bridges.get(id), id);
      const key = `drop:${action.channelId}`;
      switch (action.type) {
        case 'add':
        case 'move': {
          const done = await attempt(key, `move ${who} into ${bridgeName(action.bridgeId)}`, (profileId) =>
            client.request('bridge.addChannel', { profileId, bridgeId: action.bridgeId, channelId: action.channelId }),
          );
          if (done) ui.set({ boardMessage: `${who} ${action.type === 'move' ? 'moved' : 'added'} to ${bridgeName(action.bridgeId)}.` });
          return;
        }
        case 'remove': {
          const done = await attempt(key, `take ${who} out of ${bridgeName(action.bridgeId)}`, (profileId) =>
            client.request('bridge.removeChannel', { profileId, bridgeId: action.bridgeId, channelId: action.channelId }),
          );
          if (done) ui.set({ boardMessage: `${who} taken out of ${bridgeName(action.bridgeId)}.` });
          return;
        }
        case 'create-and-add': {
          const name = nextBridgeName(action.bridgeType);
          const created = await attempt(key, `create a ${action.bridgeType} bridge for ${who}`, (profileId) =>
            client.request('bridge.create', { profileId, type: action.bridgeType, name }),
          );
          if (!created) return;
          const done = await attempt(key, `move ${who} into ${name}`, (profileId) =>
            client.request('bridge.addChannel', { profileId, bridgeId: created.bridgeId, channelId: action.channelId }),
          );
          if (done) ui.set({ boardMessage: `${who} added to the new bridge ${name}.` });
          return;
        }
      }
    },
    async createBridge(type) {
      const name = nextBridgeName(type);
      const created = await attempt(`bridge.create:${type}`, `create a ${type} bridge`, (profileId) => client.request('bridge.create', { profileId, type, name }));
      if (created) ui.set({ boardMessage: `Created ${name}.` });
      return created?.bridgeId ?? null;
    },
    async destroyBridge(bridgeId, label) {
      const done = await attempt(`bridge.destroy:${bridgeId}`, `remove ${label}`, (profileId) => client.request('bridge.destroy', { profileId, bridgeId }));
      if (done) ui.set({ boardMessage: `Removed ${label}; its calls stay connected to the console.` });
    },
    async rawEvents(channelId) {
      return (await attempt(`raw:${channelId}`, 'load the raw events', (profileId) => client.request('channel.rawEvents', { profileId, channelId }))) ?? [];
    },
    startRecording: () => attempt('recording', 'start recording', (profileId) => client.request('recording.start', { profileId })),
    stopRecording: () => attempt('recording', 'stop recording', (profileId) => client.request('recording.stop', { profileId })),
    recordingStatus: async () => {
      try {
        return await client.request('recording.status', { profileId: profile() });
      } catch {
        return null;
      }
    },
  };
}
