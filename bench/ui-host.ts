/**
 * The console's main side for the Chromium rows (a child process, so the
 * replay server and Playwright in the parent never share its event loop):
 * the real backend with one built-in profile pointed at the replay server
 * (or, for the load row, the real Asterisk), and the browser host serving
 * the production renderer build. Says "ready" with the page's address, then
 * answers the parent's questions until it disconnects:
 *   {type:'model'} → the engine's model, summarized (ids, states, bridges)
 *   {type:'lag'}   → event-loop delay since the last 'lag' (p50/p99/max ms)
 *   {type:'stamps'} → with BENCH_HOST_STAMPS set (bench/ui-trace.ts, the dom-latency
 *                    row): probe number → when the engine received its frame
 *                    (parsed, before batching) and when its batch went to the
 *                    browser host (epoch ms)
 *
 * BENCH_IDLE_FLUSH=timer (with BENCH_HOST_STAMPS): the engine's idle batch on a 0 ms timer, as before
 * main/engine/batcher.ts, for interleaved before/after runs.
 *
 *   node out/bench/ui-host.js <baseUrl> <rendererDir> [username password app]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createBackend } from '../main/backend-node.js';
import { startBrowserHost } from '../main/browser-host/server.js';
import { silentLogger } from '../main/log.js';
import { tell } from './lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER } from './lib/replay-server.js';

export interface ModelSummary {
  channels: Record<string, { state: string; bridgeId: string | null }>;
  bridges: Record<string, string[]>;
}

async function main(): Promise<void> {
  const [baseUrl = '', rendererDir = '', username = REPLAY_USER, password = REPLAY_PASSWORD, app = 'console'] = process.argv.slice(2);
  const stamping = Boolean(process.env['BENCH_HOST_STAMPS']);
  const received: Record<string, number> = {};
  const probeName = (event: { type?: string; channel?: { caller?: { name?: string } } }): string | undefined => {
    const name = event.type === 'ChannelCallerId' ? event.channel?.caller?.name : undefined;
    return name?.startsWith('probe#') ? name.slice(6) : undefined;
  };
  const node = await createBackend({
    // The engine's raw-frame hook runs as each frame is parsed, before it waits for a batch.
    ...(stamping
      ? {
          tuning: {
            // BENCH_IDLE_FLUSH=timer: an idle batch waits for a 0 ms timer, the engine's policy before the
            // same-turn flush (main/engine/batcher.ts), to compare both on the same machine and load.
            ...(process.env['BENCH_IDLE_FLUSH'] === 'timer' ? { defer: (callback: () => void) => void setTimeout(callback, 0) } : {}),
            onRawEvent: (event) => {
              const probe = probeName(event as Parameters<typeof probeName>[0]);
              if (probe !== undefined) received[probe] ??= performance.timeOrigin + performance.now();
            },
          },
        }
      : {}),
    builtInProfiles: [{ id: 'bench', name: 'Bench', baseUrl, username, password, app, subscribeAll: true }],
    log: silentLogger,
    recordingsDir: null,
  });
  const host = await startBrowserHost({ backend: node.backend, rendererDir, logger: silentLogger });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  // Subscribed after the browser host, so a stamp is taken once the host has sent the batch.
  const stamps: Record<string, number> = {};
  if (stamping) {
    node.backend.subscribe((channel, payload) => {
      if (channel !== 'engine.events') return;
      const at = performance.timeOrigin + performance.now();
      for (const event of (payload as { events: Parameters<typeof probeName>[0][] }).events) {
        const probe = probeName(event);
        if (probe !== undefined) stamps[probe] ??= at;
      }
    });
  }
  lag.enable();
  process.on('message', (raw) => {
    const message = raw as { type?: string };
    if (message.type === 'model') {
      const model = node.engines.get('bench')?.currentModel;
      const summary: ModelSummary = { channels: {}, bridges: {} };
      for (const channel of model?.channels.values() ?? []) summary.channels[channel.id] = { state: channel.state, bridgeId: channel.bridgeId };
      for (const bridge of model?.bridges.values() ?? []) summary.bridges[bridge.id] = [...bridge.channelIds];
      tell({ type: 'model', summary });
    } else if (message.type === 'lag') {
      tell({ type: 'lag', p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 });
      lag.reset();
    } else if (message.type === 'stamps') {
      tell({ type: 'stamps', stamps, received });
    }
  });
  tell({ type: 'ready', url: host.url });
  process.on('disconnect', () => {
    void (async () => {
      await host.close().catch(() => undefined);
      await node.dispose().catch(() => undefined);
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
