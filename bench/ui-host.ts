/**
 * The console's main side for the Chromium rows (a child process, so the
 * replay server and Playwright in the parent never share its event loop):
 * the real backend with one built-in profile pointed at the replay server
 * (or, for the load row, the real Asterisk), and the browser host serving
 * the production renderer build. Says "ready" with the page's address, then
 * answers the parent's questions until it disconnects:
 *   {type:'model'} → the engine's model, summarized (ids, states, bridges)
 *   {type:'lag'}   → event-loop delay since the last 'lag' (p50/p99/max ms)
 *   {type:'stamps'} → with BENCH_HOST_STAMPS set (bench/ui-trace.ts): probe
 *                    number → when its batch went to the browser host (epoch ms)
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
  const node = await createBackend({
    builtInProfiles: [{ id: 'bench', name: 'Bench', baseUrl, username, password, app, subscribeAll: true }],
    log: silentLogger,
    recordingsDir: null,
  });
  const host = await startBrowserHost({ backend: node.backend, rendererDir, logger: silentLogger });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  // Subscribed after the browser host, so a stamp is taken once the host has sent the batch.
  const stamps: Record<string, number> = {};
  if (process.env['BENCH_HOST_STAMPS']) {
    node.backend.subscribe((channel, payload) => {
      if (channel !== 'engine.events') return;
      const at = performance.timeOrigin + performance.now();
      for (const event of (payload as { events: { type?: string; channel?: { caller?: { name?: string } } }[] }).events) {
        const name = event.type === 'ChannelCallerId' ? event.channel?.caller?.name : undefined;
        if (name?.startsWith('probe#')) stamps[name.slice(6)] ??= at;
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
      tell({ type: 'stamps', stamps });
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
