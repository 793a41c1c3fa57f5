import { useEffect, useState } from 'preact/hooks';
import { detectPlatform, type Platform } from '../platform/detect';
import { readPlatformInput } from '../platform/environment';
import type { Session } from '../session';
import { ringingState, type RingingFacts, type RingingState } from './ringing-state';
import { confirmDevice, disableRinging, enableRinging, loadPushContext, RingingError, type PushContext } from './subscription';

export interface Ringing {
  state: RingingState;
  platform: Platform | undefined;
  /** Wire to the button's click: the permission prompt must run inside it. */
  enable(): void;
  disable(): void;
}

const readPermission = (): RingingFacts['permission'] => ('Notification' in globalThis ? Notification.permission : 'unsupported');

const asProblem = (error: unknown): NonNullable<RingingFacts['problem']> =>
  error instanceof RingingError
    ? { problem: error.problem, ...(error.detail ? { detail: error.detail } : {}) }
    : { problem: 'subscribe-failed', detail: error instanceof Error ? error.message : String(error) };

/** The flow for the signed-in user on this device; confirms the sender still holds the device on every start. */
export function useRinging(session: Session | undefined): Ringing {
  const [facts, setFacts] = useState<RingingFacts>({ platform: undefined, permission: readPermission(), subscribed: false, registered: false, prepared: false, busy: false });
  const [ctx, setCtx] = useState<PushContext>();
  const update = (patch: Partial<RingingFacts>) => setFacts((f) => ({ ...f, ...patch }));
  const prepare = () => loadPushContext().then(setCtx, (error: unknown) => update({ problem: asProblem(error) }));

  useEffect(() => {
    const platform = detectPlatform(readPlatformInput());
    update({ platform });
    if (platform.verdict.kind !== 'can-ring') return;
    // Follow the user unblocking notifications in the browser's settings.
    void navigator.permissions
      ?.query({ name: 'notifications' })
      .then((status) => status.addEventListener('change', () => update({ permission: readPermission() })))
      .catch(() => undefined);
    prepare();
  }, []);

  useEffect(() => {
    if (!ctx) return;
    if (!session) {
      update({ registered: false, prepared: true });
      return;
    }
    let live = true;
    confirmDevice(ctx, session).then(
      (subscribed) => live && update({ subscribed, registered: subscribed, prepared: true, problem: undefined }),
      (error: unknown) => live && update({ subscribed: true, registered: false, prepared: true, problem: asProblem(error) }),
    );
    return () => {
      live = false;
    };
  }, [ctx, session?.token]);

  const run = (work: () => Promise<Partial<RingingFacts>>) => {
    update({ busy: true, problem: undefined });
    work().then(
      (done) => update({ busy: false, permission: readPermission(), ...done }),
      (error: unknown) => update({ busy: false, permission: readPermission(), problem: asProblem(error) }),
    );
  };

  return {
    state: ringingState(facts),
    platform: facts.platform,
    enable() {
      // Not prepared (the sender or the worker was out of reach): try that again; the next click asks.
      if (!ctx) {
        update({ problem: undefined });
        return void prepare();
      }
      if (!session) return update({ problem: { problem: 'signed-out' } });
      // No await before enableRinging: the prompt needs the click's user activation.
      run(() => enableRinging(ctx, session).then((on) => ({ subscribed: on, registered: on })));
    },
    disable() {
      if (!ctx || !session) return;
      run(() => disableRinging(ctx, session).then(() => ({ subscribed: false, registered: false })));
    },
  };
}
