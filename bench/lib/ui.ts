/**
 * What the two Chromium rows share: a production build of the app, the
 * replay server standing in for a PBX with 1,000 live channels, the console's
 * main side (bench/ui-host.ts, its own process) and Debian's Chromium driven
 * by playwright-core, plus a paced stream that mixes replayed calls with
 * "probes": caller-id changes on rows in view whose send time is known, so
 * the page can stamp when each one reached the DOM.
 *
 * The page is driven through hooks the console keeps for its own e2e tests:
 * call rows are `[role=listbox] [data-channel-id]`, the selected call's
 * timeline is `[data-testid=timeline]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AriChannel } from '../../common/ari.js';
import { loadRecording, Replay, ROOT, textFrame } from './fixture.js';
import { spawnChild, type Child } from './harness.js';
import { REPLAY_PASSWORD, REPLAY_USER, startReplayServer, type EventsConnection, type ReplayServer, type Snapshot } from './replay-server.js';
import { synthSnapshot } from './synth.js';
import { HOST_SUBPROTOCOL, HOST_TOKEN_SUBPROTOCOL_PREFIX } from '../../common/host-protocol.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
export const LIVE_CHANNELS = 1000;
const APP_BUILD = resolve(ROOT, 'out', 'bench-app');

/**
 * One production build per row process (electron-vite, as the e2e tests do): ~5 s.
 * BENCH_RENDERER_DIR instead serves a renderer built elsewhere (e.g. from an
 * older commit), for comparing two builds on the same machine and load.
 */
export function buildApp(): string {
  const given = process.env['BENCH_RENDERER_DIR'];
  if (given) return resolve(given);
  const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', APP_BUILD, '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`electron-vite build failed (${result.status ?? result.signal}):\n${`${result.stdout}\n${result.stderr}`.slice(-3000)}`);
  return resolve(APP_BUILD, 'renderer');
}

const ariTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/**
 * 1,000 live channels (100 of them in 50 bridges), created before any
 * replayed call, so they lead the list (oldest first) and the probes' rows
 * are the ones in view.
 */
export function uiSnapshot(): Snapshot {
  const snapshot = synthSnapshot(LIVE_CHANNELS, 50, { prefix: 'u' });
  const base = Date.parse('2026-11-23T08:00:00.000Z');
  snapshot.channels = (snapshot.channels as AriChannel[]).map((channel, i) => ({
    ...channel,
    creationtime: ariTime(base + i * 1000),
    dialplan: { context: 'console-app', exten: 'console', priority: 2, app_name: 'Stasis', app_data: 'console' },
  }));
  return snapshot;
}

export interface UiSession {
  readonly page: Page;
  readonly browser: Browser;
  readonly server: ReplayServer;
  readonly events: EventsConnection;
  readonly replay: Replay;
  readonly snapshot: Snapshot;
  /** The console's main side (bench/ui-host.ts). */
  readonly host: Child;
  /** The main side's event-loop delay since the last call (ms). */
  lag(): Promise<{ p50: number; p99: number; max: number }>;
  /**
   * Probe number → when the main side's engine parsed its frame, and when the
   * browser host sent its batch (epoch ms; ui-host with BENCH_HOST_STAMPS).
   */
  hostStamps(): Promise<{ received: Record<string, number>; forwarded: Record<string, number> }>;
  /**
   * A second page on the host's origin holding nothing but a WebSocket to the
   * host, in its own context (so its own renderer process): when each probe
   * reaches a page whose main thread has nothing else to do, i.e. the
   * transport alone (host send, loopback, Chromium's network service, IPC).
   */
  openBarePage(): Promise<() => Promise<Record<string, number>>>;
  /** Chromium's clock minus ours (ms), and the round trip that bounds its error. */
  readonly clockSkew: { skew: number; roundTrip: number };
  /** Starts Chromium's sampling profiler on the page; the returned stop writes a .cpuprofile. */
  profile(): Promise<(file: string) => Promise<void>>;
  close(): Promise<void>;
}

export interface ConsolePage {
  /** The console's address (with the host's token in the fragment). */
  readonly url: string;
  readonly page: Page;
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** The console's main side (bench/ui-host.ts). */
  readonly host: Child;
  close(): Promise<void>;
}

/** The console's main side in its own process, and Chromium on its page. */
export async function openConsolePage(hostArgs: readonly string[], cpuProfDir?: string, viewport = { width: 1440, height: 900 }): Promise<ConsolePage> {
  const host: Child = spawnChild('ui-host', hostArgs, { cpuProfDir });
  const failure = host.message<{ message: string }>('error').then((error) => Promise.reject(new Error(error.message)));
  failure.catch(() => undefined);
  const { url } = await Promise.race([host.message<{ url: string }>('ready', 60_000), failure]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  // Stamps when each probe reaches the page, before the console's own code sees the frame.
  await context.addInitScript(() => {
    const arrivals: Record<string, number> = {};
    (window as unknown as { __arrivals: Record<string, number> }).__arrivals = arrivals;
    const Native = window.WebSocket;
    class Stamped extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (event: MessageEvent) => {
          if (typeof event.data !== 'string' || !event.data.includes('probe#')) return;
          const at = performance.timeOrigin + performance.now();
          for (const match of event.data.matchAll(/probe#(\d+)/g)) if (!((match[1] as string) in arrivals)) arrivals[match[1] as string] = at;
        });
      }
    }
    window.WebSocket = Stamped;
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  if (problems.length > 0) throw new Error(`the console page failed: ${problems.join('; ')}`);
  return {
    url,
    page,
    browser,
    context,
    host,
    async close() {
      await browser.close().catch(() => undefined);
      host.process.disconnect?.();
      await Promise.race([host.exited, new Promise((resolveWait) => setTimeout(resolveWait, 5000))]);
      if (host.process.exitCode === null) host.process.kill();
    },
  };
}

export async function openUi(rendererDir: string, cpuProfDir?: string): Promise<UiSession> {
  const snapshot = uiSnapshot();
  const replay = new Replay(loadRecording());
  const server = await startReplayServer({ username: REPLAY_USER, password: REPLAY_PASSWORD, snapshot: () => snapshot });
  const connected = server.nextConnection();
  const consolePage = await openConsolePage([server.baseUrl, rendererDir], cpuProfDir);
  const { page, context } = consolePage;
  const events = await connected;
  // The oldest snapshot channel leads the list once the snapshot is in.
  await page.locator('[role=listbox] [data-channel-id="uc0"]').waitFor({ timeout: 60_000 });
  const clockSkew = await measureSkew(page);
  return {
    page,
    browser: consolePage.browser,
    server,
    events,
    replay,
    snapshot,
    clockSkew,
    host: consolePage.host,
    async lag() {
      const reply = consolePage.host.message<{ p50: number; p99: number; max: number }>('lag', 10_000);
      consolePage.host.process.send({ type: 'lag' });
      return reply;
    },
    async hostStamps() {
      const reply = consolePage.host.message<{ stamps: Record<string, number>; received: Record<string, number> }>('stamps', 10_000);
      consolePage.host.process.send({ type: 'stamps' });
      const { stamps, received } = await reply;
      return { received, forwarded: stamps };
    },
    async openBarePage() {
      const address = new URL(consolePage.url);
      const token = new URLSearchParams(address.hash.slice(1)).get('token') ?? '';
      const bare = await consolePage.browser.newContext({ bypassCSP: true });
      const barePage = await bare.newPage();
      // The host's own "Not Found" page: on its origin (so the socket is accepted) and served from
      // loopback (a page Playwright made up is refused loopback by Chromium's local network checks).
      await barePage.goto(`${address.origin}/bench-bare-page`);
      await barePage.evaluate(
        ({ token: presented, prefix, protocol }) =>
          new Promise<void>((resolveOpen, rejectOpen) => {
            const arrivals: Record<string, number> = {};
            (window as unknown as { __arrivals: Record<string, number> }).__arrivals = arrivals;
            const socket = new WebSocket(`ws://${location.host}/ipc`, [protocol, `${prefix}${presented}`]);
            socket.addEventListener('open', () => resolveOpen());
            socket.addEventListener('close', (event) => rejectOpen(new Error(`the bare page's host socket closed (${event.code}) from ${location.origin}`)));
            socket.addEventListener('message', (event: MessageEvent) => {
              if (typeof event.data !== 'string' || !event.data.includes('probe#')) return;
              const at = performance.timeOrigin + performance.now();
              for (const match of event.data.matchAll(/probe#(\d+)/g)) if (!((match[1] as string) in arrivals)) arrivals[match[1] as string] = at;
            });
          }),
        { token, prefix: HOST_TOKEN_SUBPROTOCOL_PREFIX, protocol: HOST_SUBPROTOCOL },
      );
      return () => barePage.evaluate(() => (window as unknown as { __arrivals: Record<string, number> }).__arrivals);
    },
    async profile() {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      return async (file: string) => {
        const { profile } = await cdp.send('Profiler.stop');
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(profile));
      };
    },
    async close() {
      await consolePage.close();
      await server.close();
    },
  };
}

const nowEpoch = (): number => performance.timeOrigin + performance.now();

/**
 * Both clocks are the system's; the best of 20 round trips bounds how far apart they read
 * (up to 200 on a loaded machine, until one takes under 2 ms: a 15 ms best said ± 7 ms).
 */
async function measureSkew(page: Page): Promise<{ skew: number; roundTrip: number }> {
  let best = { skew: 0, roundTrip: Infinity };
  for (let i = 0; i < 200 && (i < 20 || best.roundTrip >= 2); i++) {
    const before = nowEpoch();
    const theirs = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = nowEpoch();
    if (after - before < best.roundTrip) best = { skew: theirs - (before + after) / 2, roundTrip: after - before };
  }
  return best;
}

/**
 * Installs the page-side probe watcher: a MutationObserver that stamps the
 * first time each "probe#N" text appears anywhere in the DOM (the caller
 * column of its row), on Chromium's epoch clock.
 */
export async function watchProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __probes: Record<string, number> }).__probes = seen;
    const scan = (text: string | null, at: number): void => {
      if (!text || !text.includes('probe#')) return;
      for (const match of text.matchAll(/probe#(\d+)/g)) {
        const id = match[1] as string;
        if (!(id in seen)) seen[id] = at;
      }
    };
    new MutationObserver((records) => {
      const at = performance.timeOrigin + performance.now();
      for (const record of records) {
        if (record.type === 'characterData') scan(record.target.textContent, at);
        else for (const node of record.addedNodes) scan(node.textContent, at);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Probe number → when it reached the DOM, and when its frame reached the page (Chromium's epoch clock). */
export async function probeStamps(page: Page): Promise<{ dom: Record<string, number>; arrived: Record<string, number> }> {
  return page.evaluate(() => ({
    dom: (window as unknown as { __probes: Record<string, number> }).__probes,
    arrived: (window as unknown as { __arrivals: Record<string, number> }).__arrivals,
  }));
}

/** Ids of the call rows in the DOM right now, top first. */
export async function rowsInView(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[role=listbox] [data-channel-id]')]
      .filter((row) => {
        const box = row.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight;
      })
      .map((row) => row.getAttribute('data-channel-id') ?? ''),
  );
}

export interface PacedOptions {
  /** Events per second on the wire, probes included. */
  readonly rate: number;
  readonly seconds: number;
  /** One probe every this many events (0: none). */
  readonly probeEvery: number;
  /** Channels the probes change, round-robin. */
  readonly probeTargets: readonly string[];
  readonly firstLap: number;
  /** Numbering of this stream's probes starts here. */
  readonly firstProbe?: number;
  /** Stop early when this resolves true (checked every tick). */
  readonly stop?: () => boolean;
}

export interface PacedResult {
  /** Probe number → send time (epoch ms, our clock). */
  readonly sent: Map<number, number>;
  readonly events: number;
  readonly seconds: number;
  /** Worst lateness of our own 5 ms ticks: if large, the sender (not the console) was starved. */
  readonly worstTickLateMs: number;
}

/**
 * Streams replayed calls at `rate` events/s in 5 ms ticks, every
 * `probeEvery`-th event a probe: ChannelCallerId on one of `probeTargets`
 * with caller name "probe#N".
 */
export async function streamWithProbes(session: UiSession, options: PacedOptions): Promise<PacedResult> {
  const { replay, events: connection } = session;
  const channels = new Map((session.snapshot.channels as AriChannel[]).map((channel) => [channel.id, channel]));
  const perLap = replay.eventsPerLap;
  const sent = new Map<number, number>();
  const total = Math.round(options.rate * options.seconds);
  let probe = options.firstProbe ?? 1;
  let background = 0;
  let count = 0;
  let worstLate = 0;
  const started = performance.now();
  let tickDue = started;
  while (count < total && !connection.socket.destroyed && !(options.stop?.() ?? false)) {
    const now = performance.now();
    worstLate = Math.max(worstLate, now - tickDue);
    const due = Math.min(total, Math.floor(((now - started) / 1000) * options.rate) + 1);
    while (count < due) {
      if (options.probeEvery > 0 && count % options.probeEvery === options.probeEvery - 1) {
        const target = options.probeTargets[probe % options.probeTargets.length] as string;
        const channel = channels.get(target);
        if (!channel) throw new Error(`probe target ${target} is not a snapshot channel`);
        const text = JSON.stringify({
          type: 'ChannelCallerId',
          timestamp: ariTime(Date.now()),
          caller_presentation: 0,
          caller_presentation_txt: 'Presentation Allowed, Not Screened',
          channel: { ...channel, caller: { name: `probe#${probe}`, number: channel.caller?.number ?? '' } },
          asterisk_id: '00:00:00:00:00:00',
          application: 'console',
        });
        const frame = textFrame(text);
        sent.set(probe, nowEpoch());
        await connection.write(frame);
        probe += 1;
        count += 1;
      } else {
        // Background: the recorded calls, re-keyed per lap, one event at a time in order.
        const lap = options.firstLap + Math.floor(background / perLap);
        const from = background % perLap;
        await connection.write(replay.wsLap(lap, from, from + 1));
        background += 1;
        count += 1;
      }
    }
    tickDue = performance.now() + 5;
    await new Promise((resolveTick) => setTimeout(resolveTick, 5));
  }
  return { sent, events: count, seconds: (performance.now() - started) / 1000, worstTickLateMs: worstLate };
}

export interface FrameStats {
  intervals: number[];
  longTasks: number[];
}

/** Starts recording rAF intervals and long tasks in the page. */
export async function startFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state = { intervals: [] as number[], longTasks: [] as number[], running: true, last: 0 };
    (window as unknown as { __frames: typeof state }).__frames = state;
    const tick = (t: number): void => {
      if (state.last > 0) state.intervals.push(t - state.last);
      state.last = t;
      if (state.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
    (window as unknown as { __framesStop: () => void }).__framesStop = () => {
      state.running = false;
      observer.disconnect();
    };
  });
}

export async function stopFrames(page: Page): Promise<FrameStats> {
  return page.evaluate(() => {
    (window as unknown as { __framesStop: () => void }).__framesStop();
    const state = (window as unknown as { __frames: { intervals: number[]; longTasks: number[] } }).__frames;
    return { intervals: state.intervals, longTasks: state.longTasks };
  });
}

/** Wheels over `selector` for `ms`, 100 px per 16 ms, turning round every `turnMs`. */
export async function wheel(page: Page, selector: string, ms: number, turnMs: number): Promise<number> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`nothing to scroll at ${selector}`);
  await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 200));
  const started = performance.now();
  let wheels = 0;
  while (performance.now() - started < ms) {
    const down = Math.floor((performance.now() - started) / turnMs) % 2 === 0;
    await page.mouse.wheel(0, down ? 100 : -100);
    wheels += 1;
    await new Promise((resolveWait) => setTimeout(resolveWait, 16));
  }
  return wheels;
}
