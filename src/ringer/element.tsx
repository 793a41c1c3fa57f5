/**
 * <ringkit-ringer>: the ringer as a custom element, for host apps that don't
 * use Preact. It renders into its own shadow root (its styles stay in, the
 * --ringkit-ringer-* custom properties still theme it) and reports through
 * DOM events that bubble out of the shadow root:
 *
 * - `accept` (cancelable): default opens RingKit's call screen, /call/<id>?action=accept
 *   on `app-url` (default: this origin); preventDefault() to join the call yourself.
 * - `decline`: the decline went to the sender; `detail.declined` settles to true when it was taken.
 * - `dismissed`: the ringing stopped without an answer here; `detail.reason` says why.
 *
 * Attributes: `ringtone-src` (default /ringtone.wav), `sender-url` (the sender's
 * origin, default this origin), `app-url` (where the call screen is).
 */
import { render } from 'preact';
import type { CallType } from '../../protocol/payload';
import { callUrl } from '../../protocol/call-links';
import { Ringer, type DismissReason, type RingingCall } from './ringer';

export const RINGER_TAG = 'ringkit-ringer';

export interface RingerEventDetail {
  sessionId: string;
  callerName: string;
  callType: CallType;
}
export type DeclineEventDetail = RingerEventDetail & { declined: Promise<boolean> };
export type DismissedEventDetail = RingerEventDetail & { reason: DismissReason };

const detailOf = ({ sessionId, callerName, callType }: RingingCall): RingerEventDetail => ({ sessionId, callerName, callType });

export class RingKitRingerElement extends HTMLElement {
  static observedAttributes = ['ringtone-src', 'sender-url', 'app-url'];
  #root: ShadowRoot | undefined;

  connectedCallback(): void {
    this.#root ??= this.attachShadow({ mode: 'open' });
    this.#render();
  }

  disconnectedCallback(): void {
    if (this.#root) render(null, this.#root);
  }

  attributeChangedCallback(): void {
    // On upgrade the browser reports each attribute before connectedCallback has made the shadow root.
    if (this.#root) this.#render();
  }

  #render(): void {
    render(
      <Ringer
        ringtoneSrc={this.getAttribute('ringtone-src') ?? undefined}
        senderUrl={this.getAttribute('sender-url') ?? undefined}
        onAccept={(call) => this.#accept(call)}
        onDecline={(call, declined) => this.#fire('decline', { ...detailOf(call), declined })}
        onDismissed={(call, reason) => this.#fire('dismissed', { ...detailOf(call), reason })}
      />,
      this.#root!,
    );
  }

  #fire(type: string, detail: RingerEventDetail | DeclineEventDetail | DismissedEventDetail, cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  #accept(call: RingingCall): void {
    if (!this.#fire('accept', detailOf(call), true)) return;
    const url = callUrl(call.sessionId, 'accept', this.getAttribute('app-url') || location.origin);
    if (url) location.assign(url);
  }
}

/** Registers the element (once: loading the script twice is harmless). */
export function defineRingKitRinger(tag: string = RINGER_TAG): void {
  if (!customElements.get(tag)) customElements.define(tag, class extends RingKitRingerElement {});
}

declare global {
  interface HTMLElementTagNameMap {
    'ringkit-ringer': RingKitRingerElement;
  }
}
