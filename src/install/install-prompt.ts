/**
 * Chromium's install offer (`beforeinstallprompt`), kept from the moment the
 * app starts so an Install button can show it later, inside a click.
 */
import { useEffect, useState } from 'preact/hooks';

interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

let offer: BeforeInstallPromptEvent | undefined;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((l) => l());

/** Call once at start-up, before the browser fires the event. */
export function listenForInstallOffer(): void {
  addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault(); // no mini-infobar: the app offers its own button
    offer = e as BeforeInstallPromptEvent;
    changed();
  });
  addEventListener('appinstalled', () => {
    offer = undefined;
    changed();
  });
}

/** Whether the browser offers installing now, and the action that shows its dialog (from a click). */
export function useInstallOffer(): { available: boolean; install(): Promise<boolean> } {
  const [, rerender] = useState(0);
  useEffect(() => {
    const l = () => rerender((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return {
    available: offer !== undefined,
    async install() {
      const shown = offer;
      if (!shown) return false;
      offer = undefined; // each offer can be shown once
      changed();
      await shown.prompt();
      return (await shown.userChoice).outcome === 'accepted';
    },
  };
}
