/**
 * Fakes of the worker's globals that record what the handlers did. The
 * registration behaves like Safari by default: tags don't replace anything.
 */
import type { CallLog, RingKitStores } from '../../browser-shared/call-log';
import { openRingKitStores } from '../../browser-shared/call-log';
import type {
  FetchInit,
  PushSubscriptionJSONLike,
  PushSubscriptionLike,
  SwContext,
  WindowClientLike,
} from '../../sw/context';
import type { WorkerToPageMessage } from '../../browser-shared/messages';
import type { RingNotificationOptions } from '../../sw/notification-options';

export const ORIGIN = 'https://app.example.com';
export const NOW = 1_764_070_000_000;

export class FakeNotification {
  closed = false;
  constructor(
    readonly title: string,
    readonly options: Partial<RingNotificationOptions>,
    /** as Chromium reads it back: "default" unless it applied the incoming-call scenario */
    readonly scenario?: string,
  ) {}
  get tag(): string {
    return this.options.tag ?? '';
  }
  get data(): unknown {
    return this.options.data;
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeRegistration {
  /** every notification ever shown, in order */
  readonly shown: FakeNotification[] = [];
  /** Chrome and Firefox replace a notification with the same tag; Safari doesn't. */
  tagsReplace = false;
  /** Chromium applies the incoming-call scenario to an installed web app only */
  appliesIncomingCallScenario = false;
  /** rejects options it doesn't like, e.g. a browser that throws on `actions` */
  rejectOptions?: (options: Partial<RingNotificationOptions>) => boolean;

  readonly subscribeCalls: { userVisibleOnly: true; applicationServerKey: Uint8Array<ArrayBuffer> }[] = [];
  currentSubscription: FakeSubscription | null = null;
  nextSubscription = new FakeSubscription('https://push.example.net/new');

  async showNotification(title: string, options: Partial<RingNotificationOptions>): Promise<void> {
    if (this.rejectOptions?.(options)) throw new TypeError('unsupported notification option');
    if (this.tagsReplace && options.tag) for (const n of this.visible()) if (n.tag === options.tag) n.closed = true;
    const scenario = options.scenario === 'incoming-call' && this.appliesIncomingCallScenario ? 'incoming-call' : 'default';
    this.shown.push(new FakeNotification(title, options, options.scenario ? scenario : undefined));
  }

  async getNotifications(): Promise<FakeNotification[]> {
    return this.visible();
  }

  visible(): FakeNotification[] {
    return this.shown.filter((n) => !n.closed);
  }

  /** A notification put on screen by an earlier event. */
  seed(title: string, options: Partial<RingNotificationOptions>): FakeNotification {
    const n = new FakeNotification(title, options);
    this.shown.push(n);
    return n;
  }

  readonly pushManager = {
    getSubscription: async (): Promise<PushSubscriptionLike | null> => this.currentSubscription,
    subscribe: async (options: { userVisibleOnly: true; applicationServerKey: Uint8Array<ArrayBuffer> }) => {
      this.subscribeCalls.push(options);
      this.currentSubscription = this.nextSubscription;
      return this.nextSubscription;
    },
  };
}

export class FakeSubscription implements PushSubscriptionLike {
  constructor(readonly endpoint: string) {}
  toJSON(): PushSubscriptionJSONLike {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: 'BPkey', auth: 'authkey' } };
  }
}

/**
 * Chromium lets a notificationclick interact with windows once: focus() and
 * openWindow() each use up the allowance, and once it is used the next one
 * rejects (ServiceWorkerGlobalScope's window interaction). `left` undefined: no limit.
 */
export class WindowInteraction {
  constructor(public left: number | undefined = undefined) {}
  use(what: string): void {
    if (this.left === undefined) return;
    if (this.left <= 0) throw new DOMException(`Not allowed to ${what}.`, 'InvalidAccessError');
    this.left--;
  }
}

export class FakeWindow implements WindowClientLike {
  readonly messages: WorkerToPageMessage[] = [];
  readonly navigations: string[] = [];
  focusCount = 0;
  /** an uncontrolled window: navigate() rejects with a TypeError */
  uncontrolled = false;
  interaction = new WindowInteraction();
  constructor(
    public url: string,
    public focused = false,
  ) {}
  async focus(): Promise<this> {
    this.interaction.use('focus a window');
    this.focusCount++;
    this.focused = true;
    return this;
  }
  async navigate(url: string): Promise<this> {
    if (this.uncontrolled) throw new TypeError('This service worker is not the client\'s active service worker.');
    this.navigations.push(url);
    this.url = url;
    return this;
  }
  postMessage(message: WorkerToPageMessage): void {
    this.messages.push(structuredClone(message));
  }
}

export class FakeClients {
  readonly opened: string[] = [];
  readonly matchAllOptions: unknown[] = [];
  constructor(
    readonly windows: FakeWindow[] = [],
    readonly interaction = new WindowInteraction(),
  ) {
    for (const w of windows) w.interaction = interaction;
  }
  async matchAll(options: { type: 'window'; includeUncontrolled: true }): Promise<FakeWindow[]> {
    this.matchAllOptions.push(options);
    return [...this.windows];
  }
  async openWindow(url: string): Promise<FakeWindow> {
    this.interaction.use('open a window');
    this.opened.push(url);
    const w = new FakeWindow(url, true);
    this.windows.push(w);
    return w;
  }
}

export interface FetchCall {
  url: string;
  init: FetchInit;
}

export type FetchAnswer = number | Error;

export class FakeFetch {
  readonly calls: FetchCall[] = [];
  constructor(public answer: (call: FetchCall) => FetchAnswer = () => 200) {}
  readonly fetch = async (url: string, init: FetchInit): Promise<{ ok: boolean; status: number }> => {
    const call = { url, init };
    this.calls.push(call);
    const answer = this.answer(call);
    if (answer instanceof Error) throw answer;
    return { ok: answer >= 200 && answer < 300, status: answer };
  };
}

let dbCounter = 0;

export interface Harness {
  ctx: SwContext;
  registration: FakeRegistration;
  clients: FakeClients;
  fetch: FakeFetch;
  stores: RingKitStores;
  logs: string[];
  /** moves the fake clock */
  setNow(ms: number): void;
}

/** A context over fakes and a fresh fake-indexeddb database (import 'fake-indexeddb/auto' first). */
export function makeHarness(o: { windows?: FakeWindow[]; callLog?: CallLog; incomingCallScenario?: boolean; windowInteractions?: number } = {}): Harness {
  const registration = new FakeRegistration();
  const clients = new FakeClients(o.windows ?? [], new WindowInteraction(o.windowInteractions));
  const fetch = new FakeFetch();
  const stores = openRingKitStores(`ringkit-test-${++dbCounter}`);
  const logs: string[] = [];
  let now = NOW;
  const ctx: SwContext = {
    registration,
    clients,
    fetch: fetch.fetch,
    now: () => now,
    origin: ORIGIN,
    callLog: o.callLog ?? stores.callLog,
    settings: stores.settings,
    log: (message) => void logs.push(message),
  };
  if (o.incomingCallScenario !== undefined) ctx.incomingCallScenario = () => o.incomingCallScenario === true;
  return { ctx, registration, clients, fetch, stores, logs, setNow: (ms) => void (now = ms) };
}

/** A call log whose database is broken (private mode, a lost connection). */
export const brokenCallLog: CallLog = {
  get: () => Promise.reject(new Error('IndexedDB unavailable')),
  put: () => Promise.reject(new Error('IndexedDB unavailable')),
  setState: () => Promise.reject(new Error('IndexedDB unavailable')),
  recent: () => Promise.reject(new Error('IndexedDB unavailable')),
};

/** A call log whose database never answers (WebKit's lost IndexedDB connections). */
export const hangingCallLog: CallLog = {
  get: () => new Promise(() => {}),
  put: () => new Promise(() => {}),
  setState: () => new Promise(() => {}),
  recent: () => new Promise(() => {}),
};
