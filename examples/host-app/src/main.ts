/**
 * The host's page: its own sign-in, then RingKit's enable-ringing flow, the
 * <ringkit-ringer> element for calls while the page is open, and the answer
 * where a notification's Accept lands (/call/<id>?action=accept).
 */
import {
  acceptCall,
  confirmDevice,
  declineCall,
  detectPlatform,
  enableRinging,
  loadPushContext,
  parseCallLink,
  readPlatformInput,
  readSession,
  ringingState,
  RingingError,
  rungCall,
  setUserToken,
  type PushContext,
  type RingingFacts,
  type RingingState,
} from 'ringkit/client';
import { defineRingKitRinger, type RingerEventDetail } from 'ringkit/ringer';
import ringtone from 'ringkit/ringtone.wav?url';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

defineRingKitRinger();
const ringer = document.querySelector('ringkit-ringer')!;
ringer.setAttribute('ringtone-src', ringtone);
// This app has no call screen of RingKit's: it answers in place.
ringer.addEventListener('accept', (event) => {
  event.preventDefault();
  const { sessionId, callerName } = (event as CustomEvent<RingerEventDetail>).detail;
  void answer(sessionId, 'accept', callerName);
});

const facts: RingingFacts = { platform: undefined, permission: 'default', subscribed: false, registered: false, prepared: false, busy: false };
let ctx: PushContext | undefined;

const STATUS: Record<RingingState['name'], string> = {
  checking: 'Checking this browser…',
  unsupported: 'This browser cannot ring for calls.',
  'needs-install': 'Add this app to your Home Screen to get calls.',
  ready: 'Ringing is off on this device.',
  enabling: 'Turning on ringing…',
  on: 'Ringing is on: calls ring this device.',
  blocked: 'Notifications are blocked for this site: allow them in the browser settings.',
  error: 'Ringing could not be turned on. Try again.',
};

function render(): void {
  const session = readSession();
  $('signed-out').hidden = Boolean(session);
  $('signed-in').hidden = !session;
  if (!session) return;
  $('me').textContent = session.name;
  const state = ringingState(facts);
  $('ringing-status').textContent = STATUS[state.name];
  $('ringing-status').dataset.state = state.name;
  $('enable').hidden = state.name !== 'ready' && state.name !== 'error';
}

async function start(): Promise<void> {
  facts.platform = detectPlatform(readPlatformInput());
  facts.permission = 'Notification' in window ? Notification.permission : 'unsupported';
  render();
  if (facts.platform.verdict.kind !== 'can-ring') return;
  try {
    await navigator.serviceWorker.register('/sw.js');
    ctx = await loadPushContext();
    const session = readSession();
    if (session) facts.subscribed = facts.registered = await confirmDevice(ctx, session);
  } catch (error) {
    facts.problem = problemOf(error);
  }
  facts.prepared = true;
  render();
}

const problemOf = (error: unknown): RingingFacts['problem'] =>
  error instanceof RingingError ? { problem: error.problem, ...(error.detail ? { detail: error.detail } : {}) } : { problem: 'subscribe-failed', detail: String(error) };

// The permission prompt only shows inside the click: nothing is awaited before enableRinging.
$('enable').addEventListener('click', () => {
  const session = readSession();
  if (!ctx || !session) return;
  facts.busy = true;
  render();
  enableRinging(ctx, session).then(
    (on) => Object.assign(facts, { subscribed: on, registered: on, busy: false, problem: undefined, permission: Notification.permission }),
    (error: unknown) => Object.assign(facts, { busy: false, problem: problemOf(error) }),
  ).finally(render);
});

$<HTMLFormElement>('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = String(new FormData(event.target as HTMLFormElement).get('name'));
  const res = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  setUserToken(((await res.json()) as { token: string }).token);
  if (ctx) facts.subscribed = facts.registered = await confirmDevice(ctx, readSession()!);
  render();
});

$<HTMLFormElement>('call').addEventListener('submit', async (event) => {
  event.preventDefault();
  const to = String(new FormData(event.target as HTMLFormElement).get('to'));
  const res = await fetch('/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: readSession()!.name, to }) });
  const { devices } = (await res.json()) as { devices: number };
  $('call-status').textContent = devices ? `Ringing ${to}…` : `${to} has no device that can ring.`;
});

async function answer(sessionId: string, how: 'accept' | 'reject', callerName?: string): Promise<void> {
  const who = callerName ?? (await rungCall(sessionId))?.callerName ?? 'the caller';
  const told = how === 'accept' ? await acceptCall(sessionId) : await declineCall(sessionId);
  $('call-status').textContent = !told.ok ? `Couldn't reach ${who}. Try again.` : how === 'accept' ? `In a call with ${who}.` : `You declined the call from ${who}.`;
}

// A notification's Accept or Decline opened this page on the call's link.
const link = parseCallLink(new URL(location.href));
if (link && link.intent !== 'open') void answer(link.sessionId, link.intent);

void start();
