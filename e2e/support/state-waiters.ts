/**
 * Waiting for a state of a loopback stand-in (a push service, a desktop, a
 * browser's event log) rather than for a time: whoever changes the state calls
 * changed(), and each waitFor probes again then.
 */
import type { AddressInfo, Server } from 'node:net';

export interface StateWaiters {
  /** Call after every change of the state the probes read. */
  changed(): void;
  /** Resolves with the probe's first value other than undefined; rejects after timeoutMs, or at once when closed. */
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** Waits started after this reject at once. */
  close(): void;
}

export function stateWaiters(owner: string): StateWaiters {
  const waiters = new Set<() => void>();
  let closed = false;
  return {
    changed() {
      for (const waiter of [...waiters]) waiter();
    },
    waitFor(what, probe, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        if (closed) return reject(new Error(`${owner} closed; waiting for ${what}`));
        const check = () => {
          const value = probe();
          if (value === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(value);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closed = true;
    },
  };
}

/** Listens on an ephemeral loopback port; resolves with it. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
