/**
 * How the call screen joins a call, whatever the calls provider. The app uses
 * the CometChat adapter (cometchat.ts); a host app or a test can put another
 * one on `globalThis.ringkitCallsAdapter` before the app starts.
 */
import type { CallType } from '../../protocol/payload';

export interface JoinOptions {
  sessionId: string;
  callType: CallType;
  /** where the provider renders the call's video and controls */
  container: HTMLElement;
  /** the call ended on the provider's side (the other party hung up, the end button) */
  onEnded(): void;
  /** the provider failed mid-call (media, network): the call is over */
  onError?(error: unknown): void;
}

export interface JoinedCall {
  /** hangs up */
  leave(): Promise<void>;
}

export interface CallsAdapter {
  readonly name: string;
  /** What is missing before a call can be joined, for the console and the README (never the screen); empty when ready. */
  missing(): string[] | Promise<string[]>;
  join(options: JoinOptions): Promise<JoinedCall>;
}

declare global {
  // eslint-disable-next-line no-var
  var ringkitCallsAdapter: CallsAdapter | undefined;
}
