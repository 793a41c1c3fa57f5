/**
 * The desktop's notification server, for a Chromium under test: a private
 * D-Bus session bus (Debian's dbus-daemon) on which this process owns
 * org.freedesktop.Notifications (the freedesktop Desktop Notifications
 * spec, as GNOME's and KDE's servers implement it). Chromium on Linux shows
 * every web notification through that server when one is on the bus, so
 * what it calls Notify with is what a user sees on screen, and a click is
 * the ActionInvoked signal a real server sends: Chromium then fires the
 * worker's notificationclick itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dbus from 'dbus-next';
import { stateWaiters } from './state-waiters';

const NAME = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';
/** NotificationClosed reasons (the spec): 2 dismissed by the user, 3 closed by CloseNotification */
const DISMISSED = 2;
const CLOSED_BY_CALL = 3;

/** A notification as the server got it. */
export interface DesktopNotification {
  id: number;
  appName: string;
  title: string;
  body: string;
  /** action keys and their labels, in order ("default" is a click on the body) */
  actions: { key: string; label: string }[];
  /** expire timeout Chromium asked for: 0 never expires (requireInteraction) */
  expireTimeout: number;
  /** the hints Chromium sent (the spec's urgency, suppress-sound, desktop-entry...), their values unwrapped */
  hints: Record<string, unknown>;
  /** Date.now() when Notify came */
  shownAt: number;
  /** set once closed (by Chromium or by a click) */
  closedAt?: number;
}

export interface NotificationDaemon {
  /** for the browser's environment */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** every notification shown, closed ones too, in order */
  all: DesktopNotification[];
  /** the ones on screen now */
  onScreen(): DesktopNotification[];
  /** Waits for a notification with this title on screen (one shown after `since`, when given). */
  waitFor(title: string, options?: { since?: number; timeoutMs?: number }): Promise<DesktopNotification>;
  /**
   * Waits until exactly these titles are on screen, in order: a browser
   * replacing a notification may show the new one a moment before it closes
   * the old. Resolves with them.
   */
  waitForScreen(titles: string[], timeoutMs?: number): Promise<DesktopNotification[]>;
  /** The user clicks the notification with this title: its body (no label) or the button with this label. */
  click(title: string, label?: string): void;
  /** The user dismisses it. */
  dismiss(title: string): void;
  close(): Promise<void>;
}

export async function startNotificationDaemon(): Promise<NotificationDaemon> {
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await firstLine(daemon);
  const bus = dbus.sessionBus({ busAddress: address });
  const all: DesktopNotification[] = [];
  const state = stateWaiters('the desktop');
  const changed = state.changed;
  let nextId = 1;

  class Notifications extends dbus.interface.Interface {
    GetCapabilities(): string[] {
      return ['actions', 'body'];
    }
    GetServerInformation(): string[] {
      return ['RingKit test notifications', 'RingKit', '1', '1.2'];
    }
    Notify(appName: string, replacesId: number, _icon: string, summary: string, body: string, actions: string[], hints: Record<string, dbus.Variant>, expireTimeout: number): number {
      const id = replacesId > 0 && all.some((n) => n.id === replacesId) ? replacesId : nextId++;
      const replaced = all.find((n) => n.id === id && n.closedAt === undefined);
      if (replaced) replaced.closedAt = Date.now();
      const pairs: { key: string; label: string }[] = [];
      for (let i = 0; i + 1 < actions.length; i += 2) pairs.push({ key: actions[i]!, label: actions[i + 1]! });
      const hintValues = Object.fromEntries(Object.entries(hints).map(([k, v]) => [k, v.value as unknown]));
      all.push({ id, appName, title: summary, body, actions: pairs, expireTimeout, hints: hintValues, shownAt: Date.now() });
      changed();
      return id;
    }
    CloseNotification(id: number): void {
      closeOn(id, CLOSED_BY_CALL);
    }
    NotificationClosed(id: number, reason: number): unknown[] {
      return [id, reason];
    }
    ActionInvoked(id: number, key: string): unknown[] {
      return [id, key];
    }
  }
  Notifications.configureMembers({
    methods: {
      GetCapabilities: { outSignature: 'as' },
      GetServerInformation: { outSignature: 'ssss' },
      Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
      CloseNotification: { inSignature: 'u' },
    },
    signals: {
      NotificationClosed: { signature: 'uu' },
      ActionInvoked: { signature: 'us' },
    },
  });
  const server = new Notifications(NAME);
  bus.export(PATH, server);
  await bus.requestName(NAME, 0);

  function closeOn(id: number, reason: number): void {
    const open = all.find((n) => n.id === id && n.closedAt === undefined);
    if (!open) return;
    open.closedAt = Date.now();
    server.NotificationClosed(id, reason);
    changed();
  }

  const onScreen = () => all.filter((n) => n.closedAt === undefined);
  const find = (title: string) => {
    const shown = onScreen().filter((n) => n.title === title);
    if (shown.length !== 1) throw new Error(`expected one notification titled ${JSON.stringify(title)} on screen, found ${shown.length}: ${JSON.stringify(onScreen().map((n) => n.title))}`);
    return shown[0]!;
  };

  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address },
    all,
    onScreen,
    waitFor: (title, { since = 0, timeoutMs } = {}) =>
      state.waitFor(`a notification titled ${JSON.stringify(title)} on screen (now: ${JSON.stringify(onScreen().map((n) => n.title))})`, () => onScreen().find((n) => n.title === title && n.shownAt >= since), timeoutMs),
    waitForScreen: (titles, timeoutMs) =>
      state.waitFor(
        `the desktop to show ${JSON.stringify(titles)} (now: ${JSON.stringify(onScreen().map((n) => n.title))})`,
        () => (JSON.stringify(onScreen().map((n) => n.title)) === JSON.stringify(titles) ? onScreen() : undefined),
        timeoutMs,
      ),
    click(title, label) {
      const n = find(title);
      const key = label === undefined ? 'default' : n.actions.find((a) => a.label === label)?.key;
      if (key === undefined) throw new Error(`${JSON.stringify(title)} has no button ${JSON.stringify(label)}: ${JSON.stringify(n.actions)}`);
      server.ActionInvoked(n.id, key);
      closeOn(n.id, DISMISSED); // a server closes a notification the user clicked
    },
    dismiss(title) {
      closeOn(find(title).id, DISMISSED);
    },
    async close() {
      state.close();
      bus.disconnect();
      daemon.kill();
      await new Promise((resolve) => (daemon.exitCode !== null ? resolve(undefined) : daemon.once('exit', resolve)));
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code} before printing its address`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline).trim());
    });
  });
}
