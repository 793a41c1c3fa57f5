/**
 * The ringer: makes an open (or minimised) tab ring for an incoming call the
 * service worker announces. The web gives notifications no custom sound, so the
 * ringtone plays here. Decisions live in ringer-state.ts; this component wires
 * them to the worker's messages, the other tabs, the audio element and focus.
 */
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { TargetedKeyboardEvent } from 'preact';
import {
  announcement,
  IDLE,
  ringerReducer,
  ringingCallOf,
  tabMessageEvent,
  wantsSound,
  type DismissReason,
  type Emitted,
  type RingerEvent,
  type RingerState,
  type RingingCall,
} from './ringer-state';
import { onCallEvents } from '../call-events';
import css from './ringer.css?inline';
import { initials } from './initials';
import { claimRinging, openTabChannel } from './tab-coordination';

export type { RingingCall, DismissReason };

/** Served from the app's public/ folder; a host app serves its own copy or passes another URL. */
export const DEFAULT_RINGTONE = '/ringtone.wav';
/** One ring cycle of the ringtone (on, off, on, pause), for devices that vibrate. */
const VIBRATION = [400, 200, 400, 1000];
const VIBRATION_CYCLE_MS = 2000;
const TICK_MS = 1000;

export interface RingerProps {
  /** the looped ringtone's URL */
  ringtoneSrc?: string;
  /** the sender's origin when it isn't the page's (for Decline) */
  senderUrl?: string;
  onAccept?(call: RingingCall): void;
  /** `declined` settles to true once CometChat (where configured) and the sender took the decline */
  onDecline?(call: RingingCall, declined: Promise<boolean>): void;
  onDismissed?(call: RingingCall, reason: DismissReason): void;
  /** true while this device is in another call: a new ring is then answered busy instead of ringing */
  isBusy?(call: RingingCall): boolean | Promise<boolean>;
}

export function Ringer(props: RingerProps) {
  const [state, setState] = useState<RingerState>(IDLE);
  const [notice, setNotice] = useState<{ text: string; failed: boolean; retry?: RingingCall } | null>(null);
  const current = useRef<RingerState>(IDLE);
  const latestProps = useRef(props);
  latestProps.current = props;
  const channel = useRef<ReturnType<typeof openTabChannel> | undefined>(undefined);
  const audio = useRef<HTMLAudioElement>(null);
  const acceptButton = useRef<HTMLButtonElement>(null);
  const id = useId();

  const emit = useCallback((out: Emitted) => {
    const p = latestProps.current;
    if (out.kind === 'accept') {
      channel.current?.post({ type: 'handled', sessionId: out.call.sessionId, how: 'accept' });
      p.onAccept?.(out.call);
    } else if (out.kind === 'decline') {
      channel.current?.post({ type: 'handled', sessionId: out.call.sessionId, how: 'decline' });
      // Not inside the optional call: `p.onDecline?.(…)` would skip evaluating it when there is no listener.
      const declined = decline(out.call);
      p.onDecline?.(out.call, declined);
    } else {
      p.onDismissed?.(out.call, out.reason);
    }
  }, []);

  /** Tells CometChat and the sender; says so plainly, with a retry, when the answer did not get through. */
  const decline = useCallback(async (call: RingingCall, reason: 'declined' | 'busy' = 'declined'): Promise<boolean> => {
    setNotice({ text: `Declining the call from ${call.callerName}…`, failed: false });
    // Loaded on the first answer: it brings IndexedDB and CometChat's SDK loader, which ringing itself does not need.
    const { declineAnswer } = await import('../calls/callee-answer');
    const result = await declineAnswer(call, reason, latestProps.current.senderUrl);
    setNotice(
      result.ok
        ? { text: reason === 'busy' ? `${call.callerName} was told you are in another call` : `Declined the call from ${call.callerName}`, failed: false }
        : { text: `${call.callerName} can’t see that you declined yet: check your connection.`, failed: true, retry: call },
    );
    return result.ok;
  }, []);

  const dispatch = useCallback((event: RingerEvent) => {
    const { state: next, emit: out } = ringerReducer(current.current, event);
    if (next !== current.current) {
      current.current = next;
      setState(next);
    }
    if (out) emit(out);
  }, []);

  // The worker's messages and the other tabs' answers.
  useEffect(() => {
    const stopListening = onCallEvents(async (event) => {
      // In another call: answered busy, as CometChat's UI Kit does, instead of ringing over it.
      if (event.type === 'incoming') {
        const call = ringingCallOf(event.payload, event.now);
        if (await latestProps.current.isBusy?.(call)) return void decline(call, 'busy');
      }
      dispatch(event);
    });
    const tabs = openTabChannel((data) => {
      const event = tabMessageEvent(data);
      if (event) dispatch(event);
    });
    channel.current = tabs;
    return () => {
      stopListening();
      tabs.close();
    };
  }, []);

  // Per call: claim the ringtone among the tabs, watch the deadline, move focus in and back.
  const sessionId = state.call?.sessionId;
  useEffect(() => {
    if (!sessionId) return;
    setNotice(null);
    let live = true;
    let release = () => {};
    void claimRinging(sessionId).then((claim) => {
      if (!live) return claim.release();
      release = claim.release;
      dispatch({ type: 'claimed', sessionId, ringing: claim.ringing });
    });
    const timer = setInterval(() => dispatch({ type: 'tick', now: Date.now() }), TICK_MS);
    const before = document.activeElement as HTMLElement | null;
    acceptButton.current?.focus();
    return () => {
      live = false;
      release();
      clearInterval(timer);
      if (before?.isConnected) before.focus();
    };
  }, [sessionId]);

  // The ringtone and the vibration follow the state.
  const sound = state.call ? state.sound : null;
  const ringing = wantsSound(state);
  useEffect(() => {
    const el = audio.current;
    if (!el || !sessionId) return;
    if (sound === 'starting') {
      el.currentTime = 0;
      el.play().then(
        () => dispatch({ type: 'sound', sessionId, sound: 'playing' }),
        // NotAllowedError: autoplay refused until the user interacts with the page.
        () => dispatch({ type: 'sound', sessionId, sound: 'blocked' }),
      );
    }
  }, [sound, sessionId]);
  // A layout effect: the sound stops in the same frame the dialog goes.
  useLayoutEffect(() => {
    if (!ringing) {
      audio.current?.pause();
      return;
    }
    const vibrate = () => navigator.vibrate?.(VIBRATION);
    vibrate();
    const timer = setInterval(vibrate, VIBRATION_CYCLE_MS);
    return () => {
      clearInterval(timer);
      navigator.vibrate?.(0);
      audio.current?.pause();
    };
  }, [ringing]);

  const enableSound = () => {
    const el = audio.current;
    if (!el || !sessionId) return;
    // Called from the tap itself, so the browser counts it as a user gesture.
    el.play().then(
      () => dispatch({ type: 'sound', sessionId, sound: 'playing' }),
      () => dispatch({ type: 'sound', sessionId, sound: 'blocked' }),
    );
  };

  const onKeyDown = (e: TargetedKeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      dispatch({ type: 'silence' });
    } else if (e.key === 'Tab') {
      // Keep focus inside the dialog while it rings.
      const buttons = [...e.currentTarget.querySelectorAll('button')];
      const at = buttons.indexOf(e.target as HTMLButtonElement);
      const next = buttons[(at + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length];
      if (next) {
        e.preventDefault();
        next.focus();
      }
    }
  };

  const call = state.call;
  return (
    <div class="rk-ringer-root">
      <style>{css}</style>
      <p class="rk-visually-hidden" aria-live="assertive">
        {call ? announcement(call) : notice && !notice.failed ? notice.text : ''}
      </p>
      <audio ref={audio} src={props.ringtoneSrc ?? DEFAULT_RINGTONE} loop preload="auto" data-ringkit-ringtone="" />
      {/* The backdrop keeps the page behind from being clicked while it rings. */}
      {call && <div class="rk-ringer-backdrop" aria-hidden="true" />}
      {call && (
        <div
          class="rk-ringer"
          role="alertdialog"
          aria-labelledby={`${id}-title`}
          aria-describedby={`${id}-desc`}
          data-sound={sound ?? undefined}
          onKeyDown={onKeyDown}
        >
          <div class="rk-ringer-avatar" aria-hidden="true">
            {initials(call.callerName)}
          </div>
          <h2 id={`${id}-title`}>{call.callerName}</h2>
          <p id={`${id}-desc`}>
            Incoming {call.callType === 'video' ? 'video' : 'audio'} call
            {sound === 'silent' ? ' · ringing in another tab' : ''}
          </p>
          {sound === 'blocked' && (
            <button class="rk-sound" onClick={enableSound}>
              Tap to enable sound
            </button>
          )}
          <div class="rk-ringer-actions">
            <button ref={acceptButton} class="rk-accept" onClick={() => dispatch({ type: 'accept' })}>
              Accept
            </button>
            <button class="rk-decline" onClick={() => dispatch({ type: 'decline' })}>
              Decline
            </button>
          </div>
        </div>
      )}
      {!call && notice?.failed && (
        <div class="rk-ringer-status" role="alert">
          {notice.text}{' '}
          {notice.retry && (
            <button class="rk-sound" onClick={() => void decline(notice.retry!)}>
              Try again
            </button>
          )}{' '}
          <button class="rk-sound" onClick={() => setNotice(null)}>
            OK
          </button>
        </div>
      )}
    </div>
  );
}
