/**
 * Measures, in the real browser, the facts checks.ts judges. Thin on
 * purpose: each probe tolerates a browser that lacks the feature and never
 * asks the user anything (no permission prompt, no sound heard).
 */
import { readPlatformInput } from '../platform/environment';
import type { RingingState } from '../push/ringing-state';
import type { CompatFacts } from './checks';

export type ProbedFacts = Omit<CompatFacts, 'subscription'>;

/** A service worker can take a moment to activate on a first visit. */
const WORKER_WAIT_MS = 5_000;
const STEP_WAIT_MS = 2_000;

export async function probeBrowser(): Promise<ProbedFacts> {
  const [workerActive, indexedDb, audioAutoplay] = await Promise.all([probeWorker(), probeIndexedDb(), probeAutoplay()]);
  const facts: ProbedFacts = {
    platform: readPlatformInput(),
    permission: 'Notification' in globalThis ? Notification.permission : 'unsupported',
    workerActive,
    notificationOptions: {
      requireInteraction: 'Notification' in globalThis && 'requireInteraction' in Notification.prototype,
      vibrate: 'Notification' in globalThis && 'vibrate' in Notification.prototype,
      scenario: 'Notification' in globalThis && 'scenario' in Notification.prototype,
    },
    badging: 'setAppBadge' in navigator,
    indexedDb,
    broadcastChannel: 'BroadcastChannel' in globalThis,
    audioAutoplay,
  };
  const encodings = 'PushManager' in globalThis ? (PushManager as unknown as { supportedContentEncodings?: unknown }).supportedContentEncodings : undefined;
  if (Array.isArray(encodings)) facts.contentEncodings = encodings.map(String);
  return facts;
}

function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([work, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))]);
}

async function probeWorker(): Promise<boolean> {
  if (!('serviceWorker' in navigator)) return false;
  const registration = await within(WORKER_WAIT_MS, navigator.serviceWorker.ready, undefined);
  return Boolean(registration?.active);
}

/** Private modes may have indexedDB but refuse to open a database. */
async function probeIndexedDb(): Promise<CompatFacts['indexedDb']> {
  if (!('indexedDB' in globalThis)) return 'missing';
  const NAME = 'ringkit-compat-probe';
  const opened = new Promise<CompatFacts['indexedDb']>((resolve) => {
    try {
      const request = indexedDB.open(NAME);
      request.onsuccess = () => {
        request.result.close();
        indexedDB.deleteDatabase(NAME);
        resolve('works');
      };
      request.onerror = () => resolve('fails');
    } catch {
      resolve('fails');
    }
  });
  return within(STEP_WAIT_MS, opened, 'fails');
}

/**
 * Can the ringer start its sound with no tap on the page? Firefox answers
 * with navigator.getAutoplayPolicy; elsewhere a silent clip is played
 * unmuted, then muted: what the browser allows is the answer.
 */
async function probeAutoplay(): Promise<CompatFacts['audioAutoplay']> {
  const nav = navigator as Navigator & { getAutoplayPolicy?: (type: 'mediaelement') => 'allowed' | 'allowed-muted' | 'disallowed' };
  if (typeof nav.getAutoplayPolicy === 'function') {
    const policy = nav.getAutoplayPolicy('mediaelement');
    return policy === 'allowed' ? 'allowed' : policy === 'allowed-muted' ? 'muted-only' : 'blocked';
  }
  if (typeof Audio === 'undefined') return 'unknown';
  const url = URL.createObjectURL(new Blob([silentWav()], { type: 'audio/wav' }));
  const plays = async (muted: boolean): Promise<boolean | undefined> => {
    const audio = new Audio(url);
    audio.muted = muted;
    try {
      await within(STEP_WAIT_MS, audio.play(), undefined);
      const playing = !audio.paused;
      audio.pause();
      return playing;
    } catch (error) {
      return error instanceof DOMException && error.name === 'NotAllowedError' ? false : undefined;
    }
  };
  try {
    const unmuted = await plays(false);
    if (unmuted) return 'allowed';
    if (unmuted === undefined) return 'unknown';
    return (await plays(true)) ? 'muted-only' : 'blocked';
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** 0.1 s of silence, 8 kHz 8-bit mono PCM: a WAV every browser decodes. */
function silentWav(): ArrayBuffer {
  const samples = 800;
  const view = new DataView(new ArrayBuffer(44 + samples));
  const text = (offset: number, s: string) => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, 8000, true); // sample rate
  view.setUint32(28, 8000, true); // byte rate
  view.setUint16(32, 1, true); // block align
  view.setUint16(34, 8, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, samples, true);
  for (let i = 0; i < samples; i++) view.setUint8(44 + i, 128); // 8-bit silence is the midpoint
  return view.buffer;
}

/**
 * This browser's subscription as the page can see it; a subscribe that failed
 * in the enable-ringing flow (its detail says why) counts as failed.
 */
export async function probeSubscription(ringing: RingingState): Promise<CompatFacts['subscription']> {
  if (ringing.name === 'error' && ringing.problem === 'subscribe-failed') return { state: 'failed', detail: ringing.detail ?? 'no reason given' };
  if (!('serviceWorker' in navigator) || !('PushManager' in globalThis)) return { state: 'not-subscribed' };
  const registration = await within(WORKER_WAIT_MS, navigator.serviceWorker.ready, undefined);
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  return subscription ? { state: 'subscribed', endpointOrigin: new URL(subscription.endpoint).origin } : { state: 'not-subscribed' };
}
