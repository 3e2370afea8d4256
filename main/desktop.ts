import { deflateSync } from 'node:zlib';
import type { EngineStatus, EventBatch } from '../common/contract.js';
import type { CallModel, ChannelView } from '../common/model/types.js';
import type { Settings } from '../common/settings.js';
import { incomingText, newlyRinging } from '../common/workflows/incoming.js';

/**
 * The desktop app's working habits without Electron: what the tray says,
 * which incoming calls to notify, what a second launch does, whether to
 * start hidden. main/shell/desktop.ts only hands these to Electron's Tray,
 * Notification and BrowserWindow; test/unit/desktop.test.ts drives them with
 * fakes (the Electron binary is not needed).
 */

export type TrayTone = 'ok' | 'ringing' | 'down';

export interface TrayView {
  readonly tone: TrayTone;
  readonly tooltip: string;
  /** Beside the icon where the OS shows text (macOS): the ringing count, or ''. */
  readonly title: string;
  readonly ringing: number;
}

export function trayView(statuses: readonly EngineStatus[], ringing: number): TrayView {
  const live = statuses.filter((status) => status.supervisor.status === 'live').length;
  const down = statuses.length - live;
  const connection =
    statuses.length === 0 ? 'No connection profile' : down === 0 ? `Connected (${live})` : live === 0 ? 'Not connected' : `${live} connected, ${down} not`;
  const calls = ringing === 0 ? 'no call ringing' : ringing === 1 ? '1 call ringing' : `${ringing} calls ringing`;
  const tone: TrayTone = ringing > 0 ? 'ringing' : statuses.length > 0 && live === 0 ? 'down' : 'ok';
  return { tone, tooltip: `ARI Console — ${connection}, ${calls}`, title: ringing > 0 ? String(ringing) : '', ringing };
}

export interface IncomingNotice {
  readonly profileId: string;
  readonly channelId: string;
  readonly title: string;
  readonly body: string;
}

export interface IncomingWatcherDeps {
  readonly modelOf: (profileId: string) => CallModel | undefined;
  readonly nameOf: (number: string) => string;
  readonly show: (notice: IncomingNotice) => void;
  readonly withdraw: (profileId: string, channelId: string) => void;
  /** Whether the receptionist wants notifications (settings), read per batch. */
  readonly enabled: () => boolean;
}

/** Fed every batch: shows a notice per call that starts ringing, withdraws it when it stops. */
export function createIncomingWatcher(deps: IncomingWatcherDeps): { onBatch(batch: EventBatch): void; ringing(): number } {
  const announced = new Map<string, Set<string>>();
  return {
    onBatch(batch) {
      let set = announced.get(batch.profileId);
      if (!set) announced.set(batch.profileId, (set = new Set()));
      const { fresh, stopped } = newlyRinging(deps.modelOf(batch.profileId) ?? null, set);
      for (const channelId of stopped) deps.withdraw(batch.profileId, channelId);
      if (!deps.enabled()) return;
      for (const channel of fresh) deps.show({ profileId: batch.profileId, channelId: channel.id, ...textOf(channel, deps.nameOf) });
    },
    ringing: () => [...announced.values()].reduce((sum, set) => sum + set.size, 0),
  };
}

function textOf(channel: ChannelView, nameOf: (number: string) => string) {
  return incomingText(channel, channel.caller.name || !channel.caller.number ? '' : nameOf(channel.caller.number));
}

/** The notification's buttons, in the order Electron reports their index. */
export const NOTICE_ACTIONS = ['Answer', 'Decline'] as const;

/** What a notification action does: a request to main's own dispatcher, or bring the window up with the call selected. */
export type NoticeOutcome =
  | { readonly kind: 'request'; readonly channel: 'transfer.start' | 'call.hangup'; readonly payload: object }
  | { readonly kind: 'focus'; readonly profileId: string; readonly channelId: string };

/**
 * A notification button (or a click on its body) as what main should do.
 * Answer takes the call on the receptionist's own phone, the same pickup the
 * page's "answer on my phone" runs: answering the channel in Stasis alone
 * would leave the caller in silence, talking to nobody. Without an own phone
 * set, Answer brings the console up with the call selected, to handle there.
 */
export function noticeRequest(notice: Pick<IncomingNotice, 'profileId' | 'channelId'>, action: number | 'click', operatorEndpoint: string | null): NoticeOutcome {
  const target = { profileId: notice.profileId, channelId: notice.channelId };
  if (action === 0 && operatorEndpoint) return { kind: 'request', channel: 'transfer.start', payload: { ...target, kind: 'pickup', target: operatorEndpoint } };
  // Declined: the caller hears busy, as from a phone's reject button.
  if (action === 1) return { kind: 'request', channel: 'call.hangup', payload: { ...target, reason: 'busy' } };
  return { kind: 'focus', ...target };
}

/** Electron's Notification options for a notice on this platform. */
export interface NoticeOptions {
  readonly title: string;
  readonly body: string;
  /** Buttons: Electron shows them on macOS only; elsewhere a click on the notification is the one action. */
  readonly actions: readonly { readonly type: 'button'; readonly text: string }[];
}

export function noticeOptions(notice: Pick<IncomingNotice, 'title' | 'body'>, platform: NodeJS.Platform): NoticeOptions {
  return {
    title: notice.title,
    // Linux notification servers read the body as markup: a caller name "<b>" or "A & B" must arrive as text.
    body: platform === 'linux' ? escapeMarkup(notice.body) : notice.body,
    actions: platform === 'darwin' ? NOTICE_ACTIONS.map((text) => ({ type: 'button' as const, text })) : [],
  };
}

/** Text safe inside the freedesktop notification body markup (a subset of XML). */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

export interface WindowLike {
  isMinimized(): boolean;
  isVisible(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/** A second launch (single-instance lock held by us) brings the one window forward, even from the tray. */
export function bringForward(window: WindowLike): void {
  if (window.isMinimized()) window.restore();
  if (!window.isVisible()) window.show();
  window.focus();
}

/** Start hidden only where a tray icon can bring the window back. */
export function startHidden(settings: Pick<Settings, 'startMinimized'>, trayAvailable: boolean, argv: readonly string[] = []): boolean {
  return trayAvailable && (settings.startMinimized || argv.includes('--minimized'));
}

// ---- Tray icons, drawn here so no image file has to ship or be found at run time.

const TONE_RGB: Record<TrayTone, readonly [number, number, number]> = { ok: [26, 127, 55], ringing: [240, 160, 32], down: [201, 37, 45] };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A filled circle in the tone's colour on transparency, as an RGBA PNG of `size` pixels. */
export function trayIconPng(tone: TrayTone, size = 32): Buffer {
  const [r, g, b] = TONE_RGB[tone];
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const centre = (size - 1) / 2;
  const radius = size / 2 - 1;
  for (let y = 0; y < size; y += 1) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x += 1) {
      const distance = Math.hypot(x - centre, y - centre);
      const alpha = Math.max(0, Math.min(1, radius - distance + 0.5));
      const at = row + 1 + x * 4;
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
      raw[at + 3] = Math.round(alpha * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
