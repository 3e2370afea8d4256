import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConsoleClient } from '../../../common/client.js';
import { engineStatusSchema, eventBatchSchema, type EngineStatus, type EventBatch, type ModelSnapshot } from '../../../common/contract.js';
import { toErrorShape } from '../../../common/errors.js';
import { applyEvents, hydrateModel, type CallModel, type ModelEvent } from '../../../common/model/index.js';

/**
 * The renderer's single source of truth: per profile, the engine status and
 * the call model, kept in step with main by "snapshot, then stream". A
 * snapshot says which batch it includes (seq); batches must then follow one
 * by one. Anything else (a gap, a restarted engine whose seq starts over, a
 * dropped host link) is answered by snapshotting again, never by guessing.
 *
 * Pure TypeScript over an injected client and frame scheduler, so the whole
 * protocol is testable in node without a DOM.
 */

/** How the page reaches the browser host; always 'open' under Electron. */
export type HostLink =
  | { readonly state: 'open' }
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'waiting'; readonly attempt: number; readonly retryAt: number };

export interface ProfileState {
  readonly id: string;
  readonly status: EngineStatus;
  /** Null until the first snapshot arrives. */
  readonly model: CallModel | null;
  /** The last batch folded into `model`. */
  readonly seq: number;
  /** A snapshot is being fetched (first load, after a gap, after the host link came back). */
  readonly syncing: boolean;
  /** Why the last snapshot failed; cleared by the next one. */
  readonly syncError: string | null;
  /** A connect/disconnect request is in flight. */
  readonly busy: boolean;
  readonly actionError: string | null;
}

export interface ConsoleState {
  /** In the order main lists them. */
  readonly profiles: ReadonlyMap<string, ProfileState>;
  /** False until the first list of profiles arrived. */
  readonly loaded: boolean;
  readonly hostLink: HostLink;
  /** Why the last full resync failed, in words. */
  readonly syncError: string | null;
}

export interface ConsoleStoreOptions {
  readonly client: ConsoleClient;
  /** Runs a task before the next paint; batches arriving until then are applied together. */
  readonly schedule: (task: () => void) => void;
  readonly now?: () => number;
  /** Batches held per profile while its snapshot is in flight; past this, the snapshot is redone. */
  readonly maxBuffered?: number;
}

export interface ConsoleController {
  readonly store: StoreApi<ConsoleState>;
  /** Subscribes to main's events, then (unless told not to) loads everything. */
  start(options?: { readonly resync?: boolean }): Promise<void>;
  /** Statuses, then a fresh snapshot of every profile: after any doubt about what was missed. */
  resync(): Promise<void>;
  setHostLink(link: HostLink): void;
  connect(profileId: string): Promise<void>;
  disconnect(profileId: string): Promise<void>;
  dispose(): void;
}

type Pending = { readonly kind: 'status'; readonly status: EngineStatus } | { readonly kind: 'batch'; readonly batch: EventBatch };

interface SyncSlot {
  /** Bumped per snapshot request; a late answer to an older one is ignored. */
  generation: number;
  /** Non-null while a snapshot is in flight: batches wait here, not in the frame queue. */
  buffer: EventBatch[] | null;
  overflowed: boolean;
  /** Bumped whenever a status is applied, so a slow action answer cannot overwrite a newer push. */
  statusRevision: number;
}

const messageOf = (error: unknown): string => toErrorShape(error).message;

function newProfile(status: EngineStatus): ProfileState {
  return { id: status.profileId, status, model: null, seq: 0, syncing: false, syncError: null, busy: false, actionError: null };
}

export function createConsoleStore(options: ConsoleStoreOptions): ConsoleController {
  const { client, schedule } = options;
  const now = options.now ?? Date.now;
  const maxBuffered = options.maxBuffered ?? 1000;

  const store = createStore<ConsoleState>()(() => ({
    profiles: new Map(),
    loaded: false,
    hostLink: { state: 'open' },
    syncError: null,
  }));

  const slots = new Map<string, SyncSlot>();
  let queue: Pending[] = [];
  let flushScheduled = false;
  let resyncGeneration = 0;
  let disposed = false;
  const unsubscribers: (() => void)[] = [];

  const slotOf = (id: string): SyncSlot => {
    let slot = slots.get(id);
    if (!slot) {
      slot = { generation: 0, buffer: null, overflowed: false, statusRevision: 0 };
      slots.set(id, slot);
    }
    return slot;
  };

  const patch = (id: string, change: Partial<Omit<ProfileState, 'id'>>): void => {
    const current = store.getState().profiles.get(id);
    if (!current) return;
    const profiles = new Map(store.getState().profiles);
    profiles.set(id, { ...current, ...change });
    store.setState({ profiles });
  };

  const onSnapshot = (id: string, generation: number, snapshot: ModelSnapshot): void => {
    const slot = slots.get(id);
    const current = store.getState().profiles.get(id);
    if (disposed || !slot || slot.generation !== generation || !current) return;
    const buffered = slot.buffer ?? [];
    let gap = slot.overflowed;
    slot.buffer = null;
    slot.overflowed = false;
    let model = hydrateModel(snapshot.model);
    let seq = snapshot.seq;
    const at = now();
    for (const batch of buffered) {
      if (gap) break;
      if (batch.seq <= seq) continue; // already inside the snapshot
      if (batch.seq !== seq + 1) {
        gap = true;
        break;
      }
      model = applyEvents(model, batch.events, at);
      seq = batch.seq;
    }
    patch(id, { model, seq, syncing: gap, syncError: null });
    // Everything received so far predates the next request, so the next
    // snapshot covers it: nothing buffered needs to be carried over.
    if (gap) void beginSnapshot(id);
  };

  function beginSnapshot(id: string): Promise<void> {
    const slot = slotOf(id);
    slot.generation += 1;
    slot.buffer = [];
    slot.overflowed = false;
    // Batches still waiting for a frame arrived before this request: the snapshot covers them.
    queue = queue.filter((item) => item.kind !== 'batch' || item.batch.profileId !== id);
    const generation = slot.generation;
    return client.request('model.snapshot', { profileId: id }).then(
      (snapshot) => onSnapshot(id, generation, snapshot),
      (error: unknown) => {
        if (disposed || slot.generation !== generation) return;
        // The next batch finds the seq out of step and asks again; a lost
        // host link resyncs everything when it returns.
        slot.buffer = null;
        patch(id, { syncing: false, syncError: messageOf(error) });
      },
    );
  }

  const flush = (): void => {
    flushScheduled = false;
    if (disposed || queue.length === 0) return;
    const items = queue;
    queue = [];
    const profiles = new Map(store.getState().profiles);
    const toSnapshot = new Set<string>();
    const at = now();
    // Consecutive batches of a profile are folded in one applyEvents: the
    // model copies its live channels map (1,000 entries here) once per call,
    // not per event, so this is one copy per flush instead of one per batch.
    const staged = new Map<string, { events: ModelEvent[]; seq: number }>();
    const settle = (id: string): void => {
      const pending = staged.get(id);
      const current = profiles.get(id);
      staged.delete(id);
      if (!pending || !current?.model) return;
      profiles.set(id, { ...current, model: applyEvents(current.model, pending.events, at), seq: pending.seq });
    };
    for (const item of items) {
      if (item.kind === 'status') {
        const { status } = item;
        settle(status.profileId);
        const current = profiles.get(status.profileId);
        slotOf(status.profileId).statusRevision += 1;
        if (current) {
          profiles.set(status.profileId, { ...current, status });
          // Leaving idle means main just created this profile's engine: the
          // snapshot we hold described no engine at all (and its model config).
          if (current.status.supervisor.status === 'idle' && status.supervisor.status !== 'idle') toSnapshot.add(status.profileId);
        } else {
          // A profile created elsewhere: it needs a model of its own.
          profiles.set(status.profileId, newProfile(status));
          toSnapshot.add(status.profileId);
        }
        continue;
      }
      const { batch } = item;
      const slot = slotOf(batch.profileId);
      const current = profiles.get(batch.profileId);
      // Unknown profile: its first status (always sent before its batches) snapshots it.
      if (!current) continue;
      if (slot.buffer !== null || toSnapshot.has(batch.profileId)) {
        // A snapshot is (about to be) in flight and covers this batch.
        if (slot.buffer && slot.buffer.length < maxBuffered) slot.buffer.push(batch);
        else if (slot.buffer) slot.overflowed = true;
        continue;
      }
      const pending = staged.get(batch.profileId);
      if (current.model !== null && batch.seq === (pending?.seq ?? current.seq) + 1) {
        if (pending) {
          pending.events.push(...batch.events);
          pending.seq = batch.seq;
        } else {
          staged.set(batch.profileId, { events: [...batch.events], seq: batch.seq });
        }
      } else {
        // A gap, a restarted engine, or no model yet: list again (what came before the gap still shows meanwhile).
        settle(batch.profileId);
        toSnapshot.add(batch.profileId);
      }
    }
    for (const id of [...staged.keys()]) settle(id);
    for (const id of toSnapshot) {
      const current = profiles.get(id);
      if (current) profiles.set(id, { ...current, syncing: true });
    }
    store.setState({ profiles });
    for (const id of toSnapshot) void beginSnapshot(id);
  };

  const enqueue = (item: Pending): void => {
    queue.push(item);
    if (!flushScheduled) {
      flushScheduled = true;
      schedule(flush);
    }
  };

  const onStatus = (payload: unknown): void => {
    const parsed = engineStatusSchema.safeParse(payload);
    if (parsed.success) enqueue({ kind: 'status', status: parsed.data });
  };

  const onBatch = (payload: unknown): void => {
    const parsed = eventBatchSchema.safeParse(payload);
    if (!parsed.success) return;
    const slot = slots.get(parsed.data.profileId);
    if (slot?.buffer) {
      // While a snapshot is in flight, batches wait for it rather than for a frame.
      if (slot.buffer.length < maxBuffered) slot.buffer.push(parsed.data);
      else slot.overflowed = true;
      return;
    }
    enqueue({ kind: 'batch', batch: parsed.data });
  };

  async function resync(): Promise<void> {
    const generation = ++resyncGeneration;
    let statuses: EngineStatus[];
    try {
      statuses = await client.request('engine.statuses', {});
    } catch (error) {
      if (generation === resyncGeneration && !disposed) store.setState({ syncError: messageOf(error) });
      return;
    }
    if (generation !== resyncGeneration || disposed) return;
    // Status pushes that arrived before this answer are older than it.
    queue = queue.filter((item) => item.kind !== 'status');
    const previous = store.getState().profiles;
    const profiles = new Map<string, ProfileState>();
    for (const status of statuses) {
      slotOf(status.profileId).statusRevision += 1;
      profiles.set(status.profileId, { ...(previous.get(status.profileId) ?? newProfile(status)), status, syncing: true });
    }
    for (const id of [...slots.keys()]) if (!profiles.has(id)) slots.delete(id);
    store.setState({ profiles, loaded: true, syncError: null });
    await Promise.all([...profiles.keys()].map((id) => beginSnapshot(id)));
  }

  const act = async (id: string, channel: 'engine.connect' | 'engine.disconnect'): Promise<void> => {
    patch(id, { busy: true, actionError: null });
    const revision = slotOf(id).statusRevision;
    try {
      const status = await client.request(channel, { profileId: id });
      // Only an answer newer than every push we have seen may set the status.
      const fresh = slotOf(id).statusRevision === revision && !queue.some((item) => item.kind === 'status' && item.status.profileId === id);
      if (fresh) slotOf(id).statusRevision += 1;
      patch(id, fresh ? { busy: false, status } : { busy: false });
    } catch (error) {
      patch(id, { busy: false, actionError: messageOf(error) });
    }
  };

  return {
    store,
    async start(startOptions = {}) {
      if (unsubscribers.length === 0) {
        // Listen before asking for snapshots, so nothing falls between them.
        unsubscribers.push(client.on('engine.status', onStatus), client.on('engine.events', onBatch));
      }
      if (startOptions.resync !== false) await resync();
    },
    resync,
    setHostLink(link) {
      store.setState({ hostLink: link });
    },
    connect: (id) => act(id, 'engine.connect'),
    disconnect: (id) => act(id, 'engine.disconnect'),
    dispose() {
      disposed = true;
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      queue = [];
    },
  };
}
