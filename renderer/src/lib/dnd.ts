import type { DropZone, Verdict } from '../../../common/bridge-rules.js';
import type { UiController } from './ui-store.js';

/**
 * The thin DOM glue of the bridge board's drag and drop (native HTML5, so it
 * works with a mouse, a touchpad and Playwright alike). What may be dropped
 * where is decided by common/bridge-rules; a refused target never lets the
 * drop happen, and says why while hovered and again when the drag ends.
 */

export const CHANNEL_MIME = 'application/x-ari-console-channel';

/** The last refusal hovered during this drag: said out loud if the drag ends there. */
let refusal: string | null = null;

export function beginDrag(event: DragEvent, ui: UiController, channelId: string): void {
  refusal = null;
  event.dataTransfer?.setData(CHANNEL_MIME, channelId);
  event.dataTransfer?.setData('text/plain', channelId);
  if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
  ui.set({ dragging: channelId, pickup: null });
}

export function endDrag(event: DragEvent, ui: UiController): void {
  const dropped = event.dataTransfer?.dropEffect !== 'none';
  if (!dropped && refusal) {
    ui.set({ boardMessage: `Not moved: ${refusal}` });
    ui.notify('info', `Not moved: ${refusal}`);
  }
  refusal = null;
  ui.set({ dragging: null });
}

export interface ZoneHandlers {
  ondragover(event: DragEvent): void;
  ondragleave(event: DragEvent): void;
  ondrop(event: DragEvent): void;
}

/**
 * Handlers for one drop target. `onhover` receives the verdict while a call
 * is over the target (null when it leaves), for the target to show it.
 */
export function zoneHandlers(zone: () => DropZone, ui: UiController, onhover: (verdict: Verdict | null) => void): ZoneHandlers {
  const dragged = (): string | null => ui.store.getState().dragging;
  return {
    ondragover(event) {
      const channelId = dragged();
      if (channelId === null) return;
      const verdict = zone().accepts({ channelId });
      onhover(verdict);
      if (verdict.ok) {
        refusal = null;
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
      } else {
        refusal = verdict.reason;
        if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
      }
    },
    ondragleave(event) {
      // Moving over a child fires leave on the parent; only leaving the target counts.
      const next = event.relatedTarget;
      if (next instanceof Node && (event.currentTarget as Node).contains(next)) return;
      onhover(null);
    },
    ondrop(event) {
      event.preventDefault();
      onhover(null);
      const channelId = dragged() ?? event.dataTransfer?.getData(CHANNEL_MIME) ?? '';
      ui.set({ dragging: null });
      if (channelId) void zone().ondrop({ channelId });
    },
  };
}
