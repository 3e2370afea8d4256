import type { ConsoleClient } from '../../../common/client.js';
import { toErrorShape } from '../../../common/errors.js';
import type { UpdateStatus } from '../../../common/update.js';

/**
 * What the page knows of automatic updates: main's update status (pushed on
 * every change as `update.status`), the operator's on/off switch and the
 * "restart now" of a downloaded update. One instance per client, shared by
 * the notice and the settings, so both always show the same thing.
 */
export interface UpdatesState {
  readonly status: UpdateStatus | null;
  /** Why the last request failed, in words; empty when it did not. */
  readonly problem: string;
  setEnabled(enabled: boolean): Promise<void>;
  restartNow(): Promise<void>;
}

const states = new WeakMap<ConsoleClient, UpdatesState>();

export function updatesState(client: ConsoleClient): UpdatesState {
  const existing = states.get(client);
  if (existing) return existing;
  let status = $state.raw<UpdateStatus | null>(null);
  let problem = $state('');
  client.on('update.status', (next) => (status = next));
  const failed = (error: unknown): void => {
    problem = toErrorShape(error).message;
  };
  void client.request('update.get', {}).then(
    // An event that came first is newer than this answer.
    (value) => (status ??= value),
    failed,
  );
  const answer = async (request: () => Promise<UpdateStatus>): Promise<void> => {
    try {
      status = await request();
      problem = '';
    } catch (error) {
      failed(error);
    }
  };
  const state: UpdatesState = {
    get status() {
      return status;
    },
    get problem() {
      return problem;
    },
    setEnabled: (enabled) => answer(() => client.request('update.setEnabled', { enabled })),
    restartNow: () => answer(() => client.request('update.restartNow', {})),
  };
  states.set(client, state);
  return state;
}
