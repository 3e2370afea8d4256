/**
 * What the workflow machines (transfer, park) ask the engine to do, as data.
 * The machines are pure; main/workflows/executor.ts performs these against
 * ARI in order, one workflow at a time, and reports failures back as inputs.
 */
export type WorkflowEffect =
  | {
      readonly type: 'originate';
      /** Chosen by the machine so the leg is known before ARI answers. */
      readonly channelId: string;
      readonly endpoint: string;
      /** Shown on the called phone, e.g. `"Alice" <200>`. */
      readonly callerId?: string;
      readonly timeoutSec: number;
      /** Tells the console's app why this leg exists (`transfer,<id>`). */
      readonly appArgs: string;
    }
  | {
      readonly type: 'hangup';
      readonly channelId: string;
      /**
       * Only while the channel is still where the workflow left it: in one of
       * these bridges (null: in none). A leg the operator has moved elsewhere
       * is no longer the workflow's to hang up. Checked against the console's
       * model just before the request; a channel the model does not know is hung up.
       */
      readonly ifIn?: readonly (string | null)[];
    }
  | { readonly type: 'answer'; readonly channelId: string }
  | { readonly type: 'ring'; readonly channelId: string }
  | { readonly type: 'ring-stop'; readonly channelId: string }
  /** `ifIn` as for hangup: music only for a caller still where the workflow left it. */
  | { readonly type: 'moh-start'; readonly channelId: string; readonly ifIn?: readonly (string | null)[] }
  | { readonly type: 'moh-stop'; readonly channelId: string }
  | { readonly type: 'bridge-create'; readonly bridgeId: string; readonly bridgeType: 'mixing' | 'holding'; readonly name: string }
  /** Moves the channel: ARI takes it out of any other bridge first. */
  | { readonly type: 'bridge-add'; readonly bridgeId: string; readonly channelId: string }
  | { readonly type: 'bridge-remove'; readonly bridgeId: string; readonly channelId: string }
  | {
      readonly type: 'bridge-destroy';
      readonly bridgeId: string;
      /** Only while nobody but these channels is in it: a bridge someone else joined is not the workflow's any more. */
      readonly ifOnly?: readonly string[];
    }
  | { readonly type: 'bridge-moh-start'; readonly bridgeId: string }
  /**
   * Park only: ring the parker back (a pickup workflow of the parked call to
   * `endpoint`); its outcome comes back to the park machine as an input.
   */
  | { readonly type: 'ring-back'; readonly slot: number; readonly channelId: string; readonly endpoint: string; readonly label: string }
  /** Park only: stop ringing the parker back (the call was retrieved or hung up meanwhile). */
  | { readonly type: 'ring-back-cancel'; readonly slot: number };

export type WorkflowEffectType = WorkflowEffect['type'];

/** Q.850 causes as a receptionist reads them, for a leg that ended before answering. */
export function describeFailure(cause: number | null, causeText: string | null): string {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
    case 0:
    case null:
      return 'no answer';
    case 21:
      return 'rejected';
    case 1:
    case 28:
      return 'unknown number';
    case 20:
      return 'not registered';
    case 34:
    case 38:
    case 41:
    case 42:
      return 'no route (congestion)';
    case 16:
      return 'hung up';
    default:
      return causeText ? causeText.toLowerCase() : `failed (cause ${cause})`;
  }
}
